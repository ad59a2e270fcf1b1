import type { ValuesJsonSchema } from '@periscope/backstage-plugin-module-deploy-common';
import { isHiddenField } from './schemaForm';

/** One collapsed section of the values form: an object field of the module, or the other scalars. */
export interface ValuesSection {
  /** The top-level field of an object section; `''` for the section of the other scalar fields. */
  key: string;
  title: string;
  description?: string;
  fields: string[];
}

/** How the values form lays out a module's top-level fields. */
export interface ValuesGroups {
  /**
   * Shown first and open: the fields the module marks `@periscope(common)` (or that hold a field
   * marked so); without any mark, the required fields and the top-level scalars.
   */
  common: string[];
  /** Collapsed, one per other object field, then one for the other scalar fields. */
  sections: ValuesSection[];
  /** Set by Periscope, not by the form: injected (`readOnly`) and derived fields. */
  platform: string[];
}

function marked(s: ValuesJsonSchema): boolean {
  if (s.common) return true;
  return Object.values(s.properties ?? {}).some(marked);
}

function isObjectField(s: ValuesJsonSchema): boolean {
  return s.type === 'object' || !!s.properties;
}

function titleOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Groups the top-level fields of a values schema for the form, in declaration order within each
 * group. A module marks the fields most service owners set with `@periscope(common)` (see the
 * module-deploy README); a mark on a nested field makes its top-level field common.
 */
export function valuesGroups(schema: ValuesJsonSchema): ValuesGroups {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const anyMarked = props.some(([, s]) => marked(s));
  const groups: ValuesGroups = { common: [], sections: [], platform: [] };
  const otherScalars: string[] = [];
  for (const [key, s] of props) {
    if (isHiddenField(key, s, true)) groups.platform.push(key);
    else if (anyMarked ? marked(s) : required.has(key) || !isObjectField(s))
      groups.common.push(key);
    else if (isObjectField(s))
      groups.sections.push({
        key,
        title: titleOf(key),
        ...(s.description ? { description: s.description } : {}),
        fields: [key],
      });
    else otherScalars.push(key);
  }
  if (otherScalars.length)
    groups.sections.push({
      key: '',
      title: 'Other settings',
      fields: otherScalars,
    });
  return groups;
}

/** The top-level field a values path is under (`resources.limits.cpu` is under `resources`). */
export function topLevelField(valuesPath: string): string {
  return valuesPath.split(/[.[]/)[0];
}
