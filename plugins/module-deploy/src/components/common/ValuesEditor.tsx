import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Box, TextField, Typography } from '@material-ui/core';
import { Alert, ToggleButton, ToggleButtonGroup } from '@material-ui/lab';
import {
  JsonObject,
  ValuesIssue,
  ValuesJsonSchema,
  valuesOverlay,
} from '@periscope/backstage-plugin-module-deploy-common';
import Form from '@rjsf/material-ui';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useState } from 'react';
import { moduleDeployTranslationRef } from '../../translation';
import { GroupedObjectFieldTemplate } from './GroupedFieldTemplate';
import { extraErrorsFor, formSchema, uiSchemaFor } from './schemaForm';
import { valuesGroups } from './valuesGroups';
import { parseValuesYaml, valuesToYaml } from './valuesYaml';

/** How the values are edited: the grouped form or YAML. */
export type ValuesMode = 'form' | 'yaml';

const templates = { ObjectFieldTemplate: GroupedObjectFieldTemplate };

/**
 * The values of a module instance, edited in a form generated from the module's schema (common
 * fields first, the rest in collapsed sections) or as YAML. Both send the same values to the
 * engine, whose issues show next to their field in the form and with their path in YAML mode.
 * `onChange` gets the values, or `undefined` with the reason while the YAML cannot be used.
 */
export function ValuesEditor(props: {
  schema: ValuesJsonSchema;
  /** The current values (of the latest revision), what the YAML mode starts from. */
  current: JsonObject;
  data: JsonObject;
  issues: ValuesIssue[];
  onChange: (data: JsonObject | undefined, problem?: string) => void;
}) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const [mode, setMode] = useState<ValuesMode>('form');
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const schema = useMemo(() => formSchema(props.schema), [props.schema]);
  const uiSchema = useMemo(() => uiSchemaFor(props.schema), [props.schema]);
  const formContext = useMemo(
    () => ({ groups: valuesGroups(props.schema) }),
    [props.schema],
  );

  const switchTo = (next: ValuesMode | null) => {
    if (!next || next === mode) return;
    if (next === 'yaml') {
      setText(
        valuesToYaml(valuesOverlay(props.data, props.schema, props.current)),
      );
      setProblem(undefined);
      setMode('yaml');
      return;
    }
    const parsed = parseValuesYaml(text);
    if (!parsed.ok) {
      setProblem(parsed.error);
      return; // stay in YAML mode: the form cannot show what does not parse
    }
    props.onChange(parsed.values);
    setMode('form');
  };

  const edit = (value: string) => {
    setText(value);
    const parsed = parseValuesYaml(value);
    setProblem(parsed.ok ? undefined : parsed.error);
    if (parsed.ok) props.onChange(parsed.values);
    else props.onChange(undefined, parsed.error);
  };

  return (
    <Box>
      <Box mb={1} display="flex" alignItems="center">
        <ToggleButtonGroup
          size="small"
          exclusive
          value={mode}
          onChange={(_e, v) => switchTo(v as ValuesMode | null)}
          aria-label="values editor mode"
        >
          <ToggleButton value="form" aria-label="edit as form">
            {t('values.formMode')}
          </ToggleButton>
          <ToggleButton value="yaml" aria-label="edit as YAML">
            {t('values.yamlMode')}
          </ToggleButton>
        </ToggleButtonGroup>
        {mode === 'yaml' && (
          <Box ml={2}>
            <Typography variant="caption" color="textSecondary">
              {t('values.yamlHelp')}
            </Typography>
          </Box>
        )}
      </Box>
      {mode === 'form' ? (
        <Form
          schema={schema as any}
          uiSchema={uiSchema as any}
          formData={props.data}
          formContext={formContext}
          templates={templates}
          validator={validator}
          extraErrors={extraErrorsFor(props.issues) as any}
          onChange={e => props.onChange(e.formData as JsonObject)}
          showErrorList={false}
          noHtml5Validate
        >
          {/* no submit button: Preview and Deploy are the card's */}
          <span />
        </Form>
      ) : (
        <>
          <TextField
            multiline
            fullWidth
            variant="outlined"
            minRows={8}
            value={text}
            onChange={e => edit(e.target.value)}
            error={!!problem}
            inputProps={{
              'aria-label': 'values as YAML',
              spellCheck: false,
              style: { fontFamily: 'monospace' },
            }}
          />
          {problem && (
            <Alert severity="error" aria-label="yaml problem">
              {problem}
            </Alert>
          )}
        </>
      )}
    </Box>
  );
}
