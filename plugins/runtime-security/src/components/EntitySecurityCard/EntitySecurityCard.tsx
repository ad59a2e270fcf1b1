import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { PeriscopeCard } from '@periscope/periscope-react';
import { runtimeSecurityApiRef } from '../../api';
import { SeveritySummary } from '../shared/severity';

/**
 * Overview card: open runtime findings of the entity by severity.
 * @public
 */
export function EntitySecurityCard() {
  const { entity } = useEntity();
  const api = useApi(runtimeSecurityApiRef);
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useAsync(() => api.getEntitySecurity(entityRef), [api, entityRef]);
  let body;
  if (loading) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (!value) body = null;
  else if (value.status === 'not-configured') body = <Typography>Security is not configured: no Kubernetes cluster is set up for this portal.</Typography>;
  else if (value.status === 'not-annotated') body = <Typography>Not linked to workloads: add the backstage.io/kubernetes-id annotation.</Typography>;
  else if (value.findings.length === 0) body = <Typography>No findings.</Typography>;
  else {
    body = (
      <>
        <SeveritySummary findings={value.findings} />
        {value.errors?.length ? (
          <Typography variant="body2" color="error" style={{ marginTop: 8 }}>
            {value.errors.length} ingest source(s) report errors; findings may be incomplete.
          </Typography>
        ) : null}
      </>
    );
  }
  return (
    <PeriscopeCard title="Runtime security" subheader="open Tetragon findings">
      {body}
    </PeriscopeCard>
  );
}
