import {
  CodeSnippet,
  Content,
  ContentHeader,
  EmptyState,
  LinkButton,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Box } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import useAsync from 'react-use/esm/useAsync';
import { ModuleInfo, moduleDeployApiRef } from '../../api';
import { createComponentExternalRouteRef } from '../../routes';
import { moduleDeployTranslationRef } from '../../translation';
import { ValuesSchemaTable } from './ValuesSchemaTable';

type Row = ModuleInfo & { id: string };

const CONFIG_EXAMPLE = `moduleDeploy:
  modules:
    - name: web-service
      title: Web service
      path: ../../examples/modules/minimal        # relative to the backend's working directory
    - name: platform-web
      oci: oci://registry.example.com/modules/web # versions are the repository's tags`;

const columns: TableColumn<Row>[] = [
  { title: 'Name', render: r => <strong>{r.title ?? r.name}</strong> },
  { title: 'Use as', render: r => <code>periscope.dev/module: {r.name}</code> },
  { title: 'Source', render: r => `${r.kind}: ${r.location}` },
  { title: 'CUE module', field: 'moduleName' },
  { title: 'Versions', render: r => r.versions.join(', ') },
  {
    title: 'Fields',
    render: r =>
      r.schema ? Object.keys(r.schema.properties ?? {}).join(', ') : '',
  },
  {
    title: 'Problem',
    render: r => (r.error ? <Alert severity="error">{r.error}</Alert> : ''),
  },
];

/** The platform page: modules the portal deploys, their versions and values schema. @public */
export function ModulesPage() {
  const api = useApi(moduleDeployApiRef);
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const createComponent = useRouteRef(createComponentExternalRouteRef);
  const { value, loading, error } = useAsync(() => api.listModules(), [api]);
  const rows: Row[] = (value?.modules ?? []).map(m => ({ ...m, id: m.name }));
  let body;
  if (loading) body = <Progress />;
  else if (error) body = <ResponseErrorPanel error={error} />;
  else if (rows.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title={t('modulesPage.emptyTitle')}
        description={t('modulesPage.emptyDescription')}
        action={
          <CodeSnippet
            text={CONFIG_EXAMPLE}
            language="yaml"
            showCopyCodeButton
          />
        }
      />
    );
  } else {
    body = (
      <>
        <Table<Row>
          title={t('modulesPage.tableTitle')}
          options={{ paging: false, search: false }}
          columns={columns}
          data={rows}
          detailPanel={({ rowData }) => (
            <Box p={2}>
              <ValuesSchemaTable
                schema={rowData.schema}
                title={`Values of ${rowData.name} ${rowData.versions[0] ?? ''}`}
              />
            </Box>
          )}
        />
      </>
    );
  }
  // The app's page layout draws the page header (title "Modules", from the PageBlueprint).
  return (
    <Content>
      <ContentHeader title={t('modulesPage.title')}>
        {createComponent && rows.length > 0 && (
          <LinkButton
            to={createComponent()}
            variant="contained"
            color="primary"
          >
            {t('modulesPage.createComponent')}
          </LinkButton>
        )}
      </ContentHeader>
      {body}
    </Content>
  );
}
