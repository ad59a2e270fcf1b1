import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Box, Button, CircularProgress, Typography } from '@material-ui/core';
import { ExplainResult, k8sDiagnosticsApiRef } from '../../api';
import { EntityActionPermission, WithReason } from '@periscope/periscope-react';
import { k8sDiagnosticsTranslationRef } from '../../translation';

/**
 * The "Explain" button of a finding and its streamed answer. Everything is rendered as text
 * (React escapes it); the answer is never interpreted as HTML or markdown. The button stays
 * disabled until the explain permission is known to be allowed, and says why when it is not.
 */
export function ExplainPanel(props: {
  entityRef: string;
  findingId: string;
  permission: EntityActionPermission;
}) {
  const api = useApi(k8sDiagnosticsApiRef);
  const { t } = useTranslationRef(k8sDiagnosticsTranslationRef);
  const [streamed, setStreamed] = useState('');
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ExplainResult>();
  const [error, setError] = useState<string>();

  const run = async () => {
    if (!props.permission.allowed) return;
    setRunning(true);
    setStreamed('');
    setResult(undefined);
    setError(undefined);
    try {
      setResult(
        await api.explainFinding(props.entityRef, props.findingId, chunk =>
          setStreamed(s => s + chunk),
        ),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const e = result?.explanation;
  return (
    <Box mt={1}>
      <WithReason reason={props.permission.reason}>
        <Button
          size="small"
          variant="outlined"
          color="primary"
          onClick={run}
          disabled={running || !props.permission.allowed}
        >
          {running ? <CircularProgress size={14} /> : t('explain.button')}
        </Button>
      </WithReason>
      {error && (
        <Typography color="error" variant="body2" role="alert">
          {t('explain.failed', { message: error })}
        </Typography>
      )}
      {!result && streamed && (
        <Typography
          component="pre"
          variant="body2"
          style={{ whiteSpace: 'pre-wrap' }}
          aria-live="polite"
        >
          {streamed}
        </Typography>
      )}
      {e && (
        <Box mt={1} aria-label="explanation">
          <Typography variant="caption">
            {result.source === 'catalog'
              ? t('explain.fromCatalog')
              : t(
                  result.source === 'cache'
                    ? 'explain.fromModelCached'
                    : 'explain.fromModel',
                  { model: result.model ?? 'model' },
                )}
          </Typography>
          {result.warning && (
            <Typography variant="body2" color="textSecondary">
              {result.warning}
            </Typography>
          )}
          <Typography variant="body1" style={{ whiteSpace: 'pre-wrap' }}>
            {e.summary}
          </Typography>
          {e.likelyCause && (
            <Typography variant="body2">
              <strong>{t('explain.likelyCause')}</strong> {e.likelyCause}
            </Typography>
          )}
          {e.steps.length > 0 && (
            <ol>
              {e.steps.map((s, i) => (
                <li key={i}>
                  <Typography variant="body2">{s}</Typography>
                </li>
              ))}
            </ol>
          )}
          {e.commands.length > 0 && (
            <>
              <Typography variant="caption" color="textSecondary">
                {t('explain.commands')}
              </Typography>
              <Typography
                component="pre"
                variant="body2"
                style={{ whiteSpace: 'pre-wrap', fontFamily: 'monospace' }}
              >
                {e.commands.join('\n')}
              </Typography>
            </>
          )}
        </Box>
      )}
    </Box>
  );
}
