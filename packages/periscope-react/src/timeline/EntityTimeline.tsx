import { useMemo, useState } from 'react';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import {
  Box,
  Checkbox,
  Chip,
  FormControlLabel,
  List,
  ListItem,
  ListItemText,
  Typography,
} from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { SeverityChip, SeverityColor, useSeverityColors } from '../severity';
import { periscopeReactTranslationRef } from '../translation';
import {
  buildEntityTimeline,
  TimelineEvent,
  TimelineSeverity,
  TimelineSource,
} from './model';
import {
  EntityTimelineData,
  loadEntityTimeline,
  TimelineSourceState,
} from './loadTimeline';
import { usePolledAsync } from '../usePolledAsync';

/** How often the timeline asks its sources again while shown (each answers from stored data). */
const TIMELINE_POLL_MS = 60_000;

const SOURCE_LABEL: Record<TimelineSource, string> = {
  deploy: 'Deploy',
  health: 'Health',
  security: 'Security',
};
const LANES: TimelineSource[] = ['deploy', 'health', 'security'];
/** The colours the lanes and events are drawn in, from the theme (light or dark). */
interface TimelineColors {
  severity: Record<TimelineSeverity, SeverityColor>;
  /** A deploy or rollback that went through (a failed one takes a severity colour). */
  deploy: string;
  text: string;
  lane: string;
  /** The inside of a hollow (resolved) dot. */
  paper: string;
}

function useTimelineColors(): TimelineColors {
  const theme = useTheme();
  const severity = useSeverityColors();
  const { palette } = theme;
  return {
    severity,
    deploy:
      palette.type === 'dark' ? palette.success.light : palette.success.dark,
    text: palette.text.primary,
    lane: palette.divider,
    paper: palette.background.paper,
  };
}

const eventColor = (c: TimelineColors, e: TimelineEvent) =>
  e.source === 'deploy' && e.type !== 'deploy-failed'
    ? c.deploy
    : c.severity[e.severity ?? 'info'].main;

function sourceNotice(
  source: TimelineSource,
  s: TimelineSourceState<unknown>,
): string | undefined {
  const label = SOURCE_LABEL[source];
  switch (s.state) {
    case 'ok':
      return s.errors.length
        ? `${label}: ${s.errors
            .map(e => `cluster ${e.cluster}: ${e.message}`)
            .join('; ')}. The other clusters still show.`
        : undefined;
    case 'denied':
      return `${label}: you may not read this entity's ${label.toLowerCase()} data (403). Ask a platform engineer for the plugin's read permission.`;
    case 'not-installed':
      return `${label}: not available in this portal (${s.message}).`;
    case 'not-configured':
      return `${label}: no Kubernetes cluster is configured for this portal.`;
    case 'not-annotated':
      return `${label}: the entity has no Kubernetes annotation (backstage.io/kubernetes-id or backstage.io/kubernetes-label-selector).`;
    default:
      return `${label}: could not load (${s.message}).`;
  }
}

/** Three lanes over the time axis; deploys also drawn as a line through every lane. */
function TimelineStrip(props: {
  events: TimelineEvent[];
  from: number;
  to: number;
}) {
  const { events, from, to } = props;
  const colors = useTimelineColors();
  const color = (e: TimelineEvent) => eventColor(colors, e);
  const width = 800;
  const lane = 28;
  const left = 70;
  const x = (iso: string) =>
    left +
    ((Date.parse(iso) - from) / Math.max(1, to - from)) * (width - left - 10);
  return (
    <svg
      role="img"
      aria-label="timeline chart"
      viewBox={`0 0 ${width} ${lane * 3 + 20}`}
      width="100%"
    >
      {LANES.map((l, i) => (
        <g key={l}>
          <text x={0} y={i * lane + 18} fontSize={12} fill={colors.text}>
            {SOURCE_LABEL[l]}
          </text>
          <line
            x1={left}
            x2={width - 10}
            y1={i * lane + 14}
            y2={i * lane + 14}
            stroke={colors.lane}
          />
        </g>
      ))}
      {events
        .filter(e => e.type === 'deployed' || e.type === 'rolled-back')
        .map(e => (
          <line
            key={`${e.id}-v`}
            x1={x(e.at)}
            x2={x(e.at)}
            y1={4}
            y2={lane * 3}
            stroke={colors.deploy}
            strokeDasharray="3 3"
          />
        ))}
      {events.map(e => (
        <circle
          key={e.id}
          cx={x(e.at)}
          cy={LANES.indexOf(e.source) * lane + 14}
          r={5}
          fill={e.type === 'finding-resolved' ? colors.paper : color(e)}
          stroke={color(e)}
        >
          <title>{`${new Date(e.at).toLocaleString()}: ${e.title}`}</title>
        </circle>
      ))}
      <text x={left} y={lane * 3 + 16} fontSize={11} fill={colors.text}>
        {new Date(from).toLocaleDateString()}
      </text>
      <text
        x={width - 10}
        y={lane * 3 + 16}
        fontSize={11}
        fill={colors.text}
        textAnchor="end"
      >
        {new Date(to).toLocaleDateString()}
      </text>
    </svg>
  );
}

function EventRow(props: { event: TimelineEvent }) {
  const e = props.event;
  const colors = useTimelineColors();
  const what =
    e.type === 'finding-resolved' ? 'resolved' : e.type.replace('-', ' ');
  return (
    <ListItem divider aria-label={`${SOURCE_LABEL[e.source]} event`}>
      <ListItemText
        primary={
          <Box
            display="flex"
            alignItems="center"
            flexWrap="wrap"
            style={{ gap: 8 }}
          >
            <Typography
              variant="body2"
              color="textSecondary"
              style={{ minWidth: 170 }}
            >
              {new Date(e.at).toLocaleString()}
            </Typography>
            <Chip
              size="small"
              label={SOURCE_LABEL[e.source]}
              style={{ borderColor: eventColor(colors, e) }}
              variant="outlined"
            />
            {e.severity ? <SeverityChip severity={e.severity} /> : null}
            <Typography variant="body1">{e.title}</Typography>
            <Typography variant="caption" color="textSecondary">
              {what}
              {e.cluster ? ` · cluster ${e.cluster}` : ''}
            </Typography>
          </Box>
        }
        secondary={
          <>
            {e.detail ? <span>{e.detail}</span> : null}
            {e.afterDeploy ? (
              <Typography
                component="span"
                variant="body2"
                color="error"
                display="block"
              >
                started {e.afterDeploy.minutes} min after: {e.afterDeploy.label}
              </Typography>
            ) : null}
          </>
        }
      />
    </ListItem>
  );
}

/** @public */
export interface EntityTimelineProps {
  entityRef: string;
  /** Only events of the last `days` days. Default 30. */
  days?: number;
  /** Link a finding to a deploy at most this many minutes before it. Default 60. */
  windowMinutes?: number;
}

/**
 * The entity timeline: deploys, health findings and runtime-security findings on one time axis,
 * each finding that started soon after a deploy marked as such. Each source loads on its own; a
 * source that fails, is denied or is not installed shows a notice and the others still show.
 * @public
 */
export function EntityTimeline(props: EntityTimelineProps) {
  const { entityRef, days = 30, windowMinutes = 60 } = props;
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const { t } = useTranslationRef(periscopeReactTranslationRef);
  const [shown, setShown] = useState<Record<TimelineSource, boolean>>({
    deploy: true,
    health: true,
    security: true,
  });
  // the three sources at once (in parallel), then asked again in the background while the tab is visible
  const { value: loaded } = usePolledAsync(
    () =>
      loadEntityTimeline({ discoveryApi, fetchApi }, entityRef).then(d => ({
        data: d,
        at: Date.now(),
      })),
    [discoveryApi, fetchApi, entityRef],
    () => TIMELINE_POLL_MS,
  );
  const data: EntityTimelineData | undefined = loaded?.data;
  const now = loaded?.at ?? 0;
  const events = useMemo(() => {
    if (!data) return [];
    const ok = <T,>(s: TimelineSourceState<T>) =>
      s.state === 'ok' ? s.data : undefined;
    const since = now - days * 86_400_000;
    return buildEntityTimeline({
      health: ok(data.health),
      security: ok(data.security),
      deploys: ok(data.deploy),
      windowMinutes,
    }).filter(e => Date.parse(e.at) >= since);
  }, [data, days, windowMinutes, now]);

  if (!data) return <Progress />;
  const notices = LANES.map(s => sourceNotice(s, data[s])).filter(
    (n): n is string => !!n,
  );
  const anyOk = LANES.some(s => data[s].state === 'ok');
  const visible = events.filter(e => shown[e.source]);
  const from = visible.length
    ? Math.min(...visible.map(e => Date.parse(e.at)))
    : now - days * 86_400_000;

  return (
    <InfoCard
      title={t('timeline.title')}
      subheader={t('timeline.subheader', { days: String(days) })}
    >
      {notices.map(n => (
        <Alert key={n} severity="info" style={{ marginBottom: 8 }}>
          {n}
        </Alert>
      ))}
      {anyOk && events.length === 0 ? (
        <EmptyState
          missing="data"
          title={t('timeline.emptyTitle')}
          description={t('timeline.emptyDescription', { days: String(days) })}
        />
      ) : null}
      {anyOk && events.length > 0 ? (
        <>
          <Box display="flex" style={{ gap: 8 }}>
            {LANES.map(s => (
              <FormControlLabel
                key={s}
                control={
                  <Checkbox
                    checked={shown[s]}
                    onChange={(_, v) => setShown({ ...shown, [s]: v })}
                    color="primary"
                  />
                }
                label={`${SOURCE_LABEL[s]} (${
                  events.filter(e => e.source === s).length
                })`}
              />
            ))}
          </Box>
          <TimelineStrip events={visible} from={from} to={now} />
          <List dense aria-label="timeline events">
            {visible.map(e => (
              <EventRow key={e.id} event={e} />
            ))}
          </List>
        </>
      ) : null}
    </InfoCard>
  );
}
