/** The runtime-security database migrations, in the order they apply (by name). */
import { PluginMigration } from '@periscope/kube-access';
import { baseline } from './20261206_001_baseline';

export const MIGRATIONS: PluginMigration[] = [baseline];
