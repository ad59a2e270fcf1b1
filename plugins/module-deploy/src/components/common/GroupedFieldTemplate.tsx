import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Chip,
  Typography,
} from '@material-ui/core';
import { Templates } from '@rjsf/material-ui';
import type { ObjectFieldTemplateProps } from '@rjsf/utils';
import { ReactNode, useEffect, useState } from 'react';
import { moduleDeployTranslationRef } from '../../translation';
import { ValuesGroups } from './valuesGroups';

/** What the root template needs from the form (RJSF `formContext`). */
export interface GroupedFormContext {
  groups: ValuesGroups;
}

const DefaultObjectFieldTemplate = Templates.ObjectFieldTemplate!;

function hasErrors(errorSchema: unknown): boolean {
  if (!errorSchema || typeof errorSchema !== 'object') return false;
  return Object.entries(errorSchema as Record<string, unknown>).some(([k, v]) =>
    k === '__errors' ? Array.isArray(v) && v.length > 0 : hasErrors(v),
  );
}

/** A collapsed section; it opens by itself when one of its fields gets an error. */
function Section(props: {
  title: string;
  description?: string;
  label: string;
  errors: boolean;
  /** What the chip of a section with errors says. */
  errorsLabel: string;
  children: ReactNode;
  defaultExpanded?: boolean;
}) {
  const [open, setOpen] = useState(!!props.defaultExpanded || props.errors);
  useEffect(() => {
    if (props.errors) setOpen(true);
  }, [props.errors]);
  return (
    <Accordion
      expanded={open}
      onChange={(_e, v) => setOpen(v)}
      TransitionProps={{ unmountOnExit: false }}
      aria-label={props.label}
    >
      <AccordionSummary expandIcon={<span aria-hidden>▾</span>}>
        <Box display="flex" alignItems="center" flexWrap="wrap">
          <Typography variant="subtitle2">{props.title}</Typography>
          {props.errors && (
            <Box ml={1}>
              <Chip size="small" color="secondary" label={props.errorsLabel} />
            </Box>
          )}
          {props.description && (
            <Box ml={1}>
              <Typography variant="caption" color="textSecondary">
                {props.description}
              </Typography>
            </Box>
          )}
        </Box>
      </AccordionSummary>
      <AccordionDetails>
        <Box width="100%">{props.children}</Box>
      </AccordionDetails>
    </Accordion>
  );
}

/**
 * The values form's object template: the root object is laid out in groups (common fields first
 * and open, the others in collapsed sections, the fields Periscope sets out of the way); nested
 * objects as usual.
 */
export function GroupedObjectFieldTemplate(props: ObjectFieldTemplateProps) {
  const { t } = useTranslationRef(moduleDeployTranslationRef);
  const ctx = props.registry.formContext as GroupedFormContext | undefined;
  if (props.idSchema.$id !== 'root' || !ctx?.groups)
    return <DefaultObjectFieldTemplate {...props} />;
  const { groups } = ctx;
  const byName = new Map(props.properties.map(p => [p.name, p]));
  const content = (names: string[]) =>
    names.map(n => byName.get(n)?.content).filter(Boolean);
  const errorsIn = (names: string[]) =>
    names.some(n =>
      hasErrors(
        (props.errorSchema as Record<string, unknown> | undefined)?.[n],
      ),
    );
  const data = (props.formData ?? {}) as Record<string, unknown>;
  const grouped = new Set([
    ...groups.common,
    ...groups.sections.flatMap(s => s.fields),
    ...groups.platform,
  ]);
  // fields the schema does not declare (additional properties) stay visible at the end
  const rest = props.properties.filter(p => !grouped.has(p.name));
  return (
    <Box>
      {props.description && (
        <Typography variant="body2" color="textSecondary">
          {props.description}
        </Typography>
      )}
      {groups.common.length > 0 && (
        <Box mb={2} role="group" aria-label="common settings">
          <Typography variant="subtitle1">
            {t('values.commonSettings')}
          </Typography>
          {content(groups.common)}
        </Box>
      )}
      {groups.sections.map(s => (
        <Section
          key={s.key || 'other'}
          title={s.key ? s.title : t('values.otherSettings')}
          description={s.description}
          label={`section ${s.title}`}
          errors={errorsIn(s.fields)}
          errorsLabel={t('values.hasErrors')}
        >
          {content(s.fields)}
        </Section>
      ))}
      {rest.map(p => p.content)}
      {groups.platform.length > 0 && (
        <Section
          title={t('values.setByPeriscope', {
            fields: String(groups.platform.length),
          })}
          description={t('values.setByPeriscopeHelp')}
          label="section Set by Periscope"
          errors={errorsIn(groups.platform)}
          errorsLabel={t('values.hasErrors')}
        >
          {groups.platform.map(n => (
            <Typography key={n} variant="body2" component="div">
              <code>{n}</code>:{' '}
              <Typography
                variant="caption"
                color="textSecondary"
                component="span"
              >
                {data[n] === undefined
                  ? '(set at deploy)'
                  : JSON.stringify(data[n])}
              </Typography>
            </Typography>
          ))}
          {/* the hidden inputs, so the form keeps their values */}
          {content(groups.platform)}
        </Section>
      )}
    </Box>
  );
}
