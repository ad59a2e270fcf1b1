import { Box, Typography } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import type { DeployWarning } from '@periscope/backstage-plugin-module-deploy-common';
import { SeverityChip } from '@periscope/periscope-react';

/**
 * What the previewed change would break, found before anything is applied (the preflight
 * checks over the rendered objects and the live target namespace), and under it, muted, what the
 * preflight could not check. Nothing when the preview carries neither; blocking warnings say that
 * Deploy will be refused.
 * @public
 */
export function PreviewWarnings(props: {
  warnings?: DeployWarning[];
  /** The preview's `notChecked`: `<cluster>: <why>` each. */
  notChecked?: string[];
}) {
  const warnings = props.warnings ?? [];
  const notChecked = props.notChecked ?? [];
  if (warnings.length === 0 && notChecked.length === 0) return null;
  const blocking = warnings.filter(w => w.blocking).length;
  return (
    <Box mb={2} aria-label="preview warnings">
      {warnings.length > 0 && (
        <Alert severity={blocking ? 'error' : 'warning'}>
          <AlertTitle>
            {warnings.length === 1
              ? 'This change would break 1 thing'
              : `This change would break ${warnings.length} things`}
            {blocking > 0 &&
              `: Deploy is refused while ${blocking} blocking warning(s) remain`}
          </AlertTitle>
          {warnings.map(w => (
            <Box
              key={`${w.cluster ?? ''}|${w.analyzer}|${w.object}|${w.message}`}
              mt={1}
            >
              <SeverityChip severity={w.severity} />{' '}
              {w.blocking && (
                <SeverityChip severity="critical" label="blocks deploy" />
              )}{' '}
              <Typography component="span" variant="body2">
                {w.cluster ? `${w.cluster}: ` : ''}
                <code>{w.object}</code> ({w.analyzer}): {w.message}
              </Typography>
            </Box>
          ))}
        </Alert>
      )}
      {notChecked.length > 0 && (
        <Box mt={warnings.length > 0 ? 1 : 0} aria-label="not checked">
          <Typography variant="body2" color="textSecondary">
            Not checked: {notChecked.join('; ')}
          </Typography>
        </Box>
      )}
    </Box>
  );
}
