import { HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { authorizeEntity, parseEntityRefParam } from '@periscope/kube-access';
import { k8sDiagnosticsReadPermission } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import express from 'express';
import Router from 'express-promise-router';
import { DiagnosticsService } from './services/DiagnosticsService';

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  diagnostics: DiagnosticsService;
}): Promise<express.Router> {
  const { httpAuth, permissions, diagnostics } = deps;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entity', async (req, res) => {
    const entityRef = parseEntityRefParam(req.query.entityRef);
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    await authorizeEntity(permissions, k8sDiagnosticsReadPermission, entityRef, credentials);
    res.json(await diagnostics.getEntityHealth({ entityRef, credentials }));
  });

  return router;
}
