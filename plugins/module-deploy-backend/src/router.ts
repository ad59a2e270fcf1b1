import { HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { authorizeEntity, parseEntityRefParam } from '@periscope/kube-access';
import { moduleDeployReadPermission } from '@periscope/backstage-plugin-module-deploy-common';
import express from 'express';
import Router from 'express-promise-router';
import { InstanceService } from './services/InstanceService';

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  instances: InstanceService;
}): Promise<express.Router> {
  const { httpAuth, permissions, instances } = deps;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entity', async (req, res) => {
    const entityRef = parseEntityRefParam(req.query.entityRef);
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    await authorizeEntity(permissions, moduleDeployReadPermission, entityRef, credentials);
    res.json(await instances.getEntityInstances({ entityRef, credentials }));
  });

  return router;
}
