import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import k8sDiagnosticsPlugin from '@periscope/backstage-plugin-k8s-diagnostics';
import moduleDeployPlugin from '@periscope/backstage-plugin-module-deploy';
import runtimeSecurityPlugin from '@periscope/backstage-plugin-runtime-security';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { signInModule } from './modules/signIn';

export default createApp({
  features: [
    catalogPlugin,
    navModule,
    homeModule,
    signInModule,
    k8sDiagnosticsPlugin,
    moduleDeployPlugin,
    runtimeSecurityPlugin,
  ],
});
