import { HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { authorizeEntity, parseEntityRefParam } from '@periscope/kube-access';
import { runtimeSecurityReadPermission } from '@periscope/backstage-plugin-runtime-security-common';
import express from 'express';
import Router from 'express-promise-router';
import { SecurityService } from './services/SecurityService';

export async function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  security: SecurityService;
}): Promise<express.Router> {
  const { httpAuth, permissions, security } = deps;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entity', async (req, res) => {
    const entityRef = parseEntityRefParam(req.query.entityRef);
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    await authorizeEntity(permissions, runtimeSecurityReadPermission, entityRef, credentials);
    res.json(await security.getEntitySecurity({ entityRef, credentials }));
  });

  return router;
}
