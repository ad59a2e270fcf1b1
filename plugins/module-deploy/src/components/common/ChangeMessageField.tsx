import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { TextField } from '@material-ui/core';
import {
  CHANGE_MESSAGE_MAX_LENGTH,
  changeMessageProblem,
} from '@periscope/backstage-plugin-module-deploy-common';
import { moduleDeployTranslationRef } from '../../translation';

/**
 * The optional change message of a deploy: why, shown in the history and the audit trail. Says
 * what is wrong (too long, control characters) as the backend would refuse it.
 */
export function ChangeMessageField(props: {
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
}) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const problem = changeMessageProblem(props.value.trim());
  const length = [...props.value.trim()].length;
  return (
    <TextField
      fullWidth
      multiline
      margin="dense"
      variant="outlined"
      label={t('values.changeMessage')}
      placeholder={t('values.changeMessagePlaceholder')}
      value={props.value}
      disabled={props.disabled}
      onChange={e => props.onChange(e.target.value)}
      error={!!problem}
      helperText={
        problem ??
        t('values.changeMessageHelp', {
          length: String(length),
          max: String(CHANGE_MESSAGE_MAX_LENGTH),
        })
      }
      inputProps={{ 'aria-label': 'change message' }}
    />
  );
}
