import { CodeSnippet } from '@backstage/core-components';
import {
  Box,
  Chip,
  FormControlLabel,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import {
  SchemaField,
  schemaFields,
  ValuesJsonSchema,
} from '@periscope/backstage-plugin-module-deploy-common';
import { useState } from 'react';

const HEADINGS = [
  'Field',
  'Type',
  'Default',
  'Required',
  'Description',
  'Constraints',
];

function FieldRow(props: { field: SchemaField }) {
  const f = props.field;
  return (
    <TableRow>
      <TableCell>
        <Box pl={f.depth * 2} component="span" fontFamily="monospace">
          {f.path}
        </Box>
        {f.readOnly && (
          <Box component="span" ml={1}>
            <Chip size="small" label="injected" variant="outlined" />
          </Box>
        )}
      </TableCell>
      <TableCell>{f.type}</TableCell>
      <TableCell>
        {f.default !== undefined && <code>{f.default}</code>}
      </TableCell>
      <TableCell>{f.required ? 'required' : ''}</TableCell>
      <TableCell>{f.description ?? ''}</TableCell>
      <TableCell>{f.constraints.join('; ')}</TableCell>
    </TableRow>
  );
}

/**
 * A module's values schema as a table of fields (path, type, default, required, description,
 * constraints), with the raw JSON Schema behind a toggle.
 * @public
 */
export function ValuesSchemaTable(props: {
  schema?: ValuesJsonSchema;
  title: string;
}) {
  const [raw, setRaw] = useState(false);
  const fields = schemaFields(props.schema);
  if (!props.schema) {
    return (
      <Typography color="textSecondary">
        No values schema: the module could not be read (see Problem).
      </Typography>
    );
  }
  return (
    <>
      <Box display="flex" alignItems="center" justifyContent="space-between">
        <Typography variant="subtitle2">{props.title}</Typography>
        <FormControlLabel
          control={
            <Switch
              checked={raw}
              onChange={e => setRaw(e.target.checked)}
              color="primary"
            />
          }
          label="Raw JSON Schema"
        />
      </Box>
      {raw && (
        <CodeSnippet
          text={JSON.stringify(props.schema, null, 2)}
          language="json"
          showCopyCodeButton
        />
      )}
      {!raw && fields.length === 0 && (
        <Typography color="textSecondary">
          This module declares no values.
        </Typography>
      )}
      {!raw && fields.length > 0 && (
        <Table size="small" aria-label={props.title}>
          <TableHead>
            <TableRow>
              {HEADINGS.map(h => (
                <TableCell key={h}>{h}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {fields.map(f => (
              <FieldRow key={f.path} field={f} />
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
