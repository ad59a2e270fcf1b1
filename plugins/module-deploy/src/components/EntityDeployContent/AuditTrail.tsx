import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import type { AuditRecord } from '@periscope/backstage-plugin-module-deploy-common';
import { moduleDeployTranslationRef } from '../../translation';

/**
 * One page of the audit trail (deploys, rollbacks and deletes through the portal, newest first),
 * with each deploy's change message; Newer and Older page through GET /entity/history.
 */
export function AuditTrail(props: {
  records: AuditRecord[];
  offset: number;
  pageSize: number;
  /** The offset of the next (older) page, when there is one. */
  nextOffset?: number;
  loading: boolean;
  onPage: (offset: number) => void;
}) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const { records, offset, pageSize, nextOffset } = props;
  if (records.length === 0 && offset === 0) return null;
  return (
    <Box mt={2} aria-label="audit trail">
      <Typography variant="subtitle1">{t('history.auditTrail')}</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>Who</TableCell>
            <TableCell>What</TableCell>
            <TableCell>{t('history.changeMessage')}</TableCell>
            <TableCell>Result</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {records.map(r => (
            <TableRow key={r.id ?? `${r.at}:${r.cluster}:${r.action}`}>
              <TableCell>{r.at}</TableCell>
              <TableCell>{r.actor}</TableCell>
              <TableCell>
                {r.action}
                {r.revision !== undefined
                  ? ` revision ${r.revision}`
                  : ''} in {r.cluster}
              </TableCell>
              <TableCell style={{ whiteSpace: 'pre-wrap' }}>
                {r.changeMessage ?? ''}
              </TableCell>
              <TableCell>
                {r.result}
                {r.message ? `: ${r.message}` : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box mt={1} display="flex" alignItems="center">
        <Button
          size="small"
          disabled={offset === 0 || props.loading}
          onClick={() => props.onPage(Math.max(0, offset - pageSize))}
        >
          {t('history.newer')}
        </Button>
        <Typography variant="caption" color="textSecondary">
          {records.length
            ? t('history.records', {
                from: String(offset + 1),
                to: String(offset + records.length),
              })
            : t('history.noRecords')}
        </Typography>
        <Button
          size="small"
          disabled={nextOffset === undefined || props.loading}
          onClick={() => nextOffset !== undefined && props.onPage(nextOffset)}
        >
          {t('history.older')}
        </Button>
      </Box>
    </Box>
  );
}
