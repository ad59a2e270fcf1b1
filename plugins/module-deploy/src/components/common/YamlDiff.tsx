import { Box, Button, makeStyles, Typography } from '@material-ui/core';
import { alpha } from '@material-ui/core/styles';
import { useMemo, useState } from 'react';
import { DiffRow, lineDiff, toYaml } from './lineDiff';

const useStyles = makeStyles(theme => ({
  table: {
    width: '100%',
    borderCollapse: 'collapse',
    tableLayout: 'fixed',
    fontFamily: 'monospace',
    fontSize: theme.typography.caption.fontSize,
  },
  num: {
    width: '3.5em',
    textAlign: 'right',
    paddingRight: theme.spacing(1),
    color: theme.palette.text.secondary,
    userSelect: 'none',
    verticalAlign: 'top',
  },
  code: {
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    verticalAlign: 'top',
    borderLeft: `1px solid ${theme.palette.divider}`,
    paddingLeft: theme.spacing(0.5),
  },
  removed: { backgroundColor: alpha(theme.palette.error.main, 0.16) },
  added: { backgroundColor: alpha(theme.palette.success.main, 0.16) },
  head: {
    textAlign: 'left',
    fontWeight: theme.typography.fontWeightBold as number,
    color: theme.palette.text.secondary,
  },
  fold: { color: theme.palette.text.secondary, fontStyle: 'italic' },
}));

/** Unchanged lines kept around each change; longer unchanged runs fold. */
const CONTEXT = 3;

type Shown = DiffRow | { fold: number; from: number };

function fold(rows: DiffRow[], all: boolean): Shown[] {
  if (all) return rows;
  const near = rows.map((_, i) =>
    rows
      .slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1)
      .some(r => r.kind !== 'same'),
  );
  const out: Shown[] = [];
  for (let i = 0; i < rows.length; ) {
    if (near[i]) {
      out.push(rows[i++]);
      continue;
    }
    let j = i;
    while (j < rows.length && !near[j]) j++;
    out.push({ fold: j - i, from: i });
    i = j;
  }
  return out;
}

/**
 * Side-by-side YAML diff of two values (keys sorted so that both sides line up): removed lines
 * on the left, added on the right; long unchanged runs fold, with a button to show them.
 */
export function YamlDiff(props: {
  before: unknown;
  after: unknown;
  beforeTitle: string;
  afterTitle: string;
  /** Accessible name of the diff, e.g. `yaml diff of Deployment/shop/web`. */
  label: string;
}) {
  const classes = useStyles();
  const [all, setAll] = useState(false);
  const rows = useMemo(
    () => lineDiff(toYaml(props.before), toYaml(props.after)),
    [props.before, props.after],
  );
  const shown = fold(rows, all);
  const cls = (r: DiffRow, side: 'left' | 'right') => {
    if (r.kind === 'same') return classes.code;
    if (side === 'left' && r.left) return `${classes.code} ${classes.removed}`;
    if (side === 'right' && r.right) return `${classes.code} ${classes.added}`;
    return classes.code;
  };
  return (
    <Box mt={1} mb={1} aria-label={props.label} role="region">
      <table className={classes.table}>
        <thead>
          <tr>
            <th className={classes.num} />
            <th className={classes.head}>{props.beforeTitle}</th>
            <th className={classes.num} />
            <th className={classes.head}>{props.afterTitle}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map(r =>
            'fold' in r ? (
              <tr key={`fold-${r.from}`}>
                <td />
                <td colSpan={3} className={classes.fold}>
                  … {r.fold} unchanged line(s)
                </td>
              </tr>
            ) : (
              <tr
                key={`${r.left?.line ?? '-'}:${r.right?.line ?? '-'}`}
                data-kind={r.kind}
              >
                <td className={classes.num}>{r.left?.line ?? ''}</td>
                <td className={cls(r, 'left')}>{r.left?.text ?? ''}</td>
                <td className={classes.num}>{r.right?.line ?? ''}</td>
                <td className={cls(r, 'right')}>{r.right?.text ?? ''}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {shown.some(r => 'fold' in r) && (
        <Button size="small" onClick={() => setAll(true)}>
          Show all lines
        </Button>
      )}
      {rows.every(r => r.kind === 'same') && (
        <Typography variant="caption" color="textSecondary">
          No differences.
        </Typography>
      )}
    </Box>
  );
}
