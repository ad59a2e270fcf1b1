import { render, screen } from '@testing-library/react';
import { UnifiedThemeProvider, themes } from '@backstage/theme';
import { getContrastRatio, Theme } from '@material-ui/core/styles';
import {
  PERISCOPE_SEVERITIES,
  severityColor,
  severityColors,
} from './severityColors';
import { SeverityChip, SeveritySummary } from './SeverityChip';

// Backstage's built-in themes, as Material UI v4 sees them
const lightTheme = themes.light.getTheme('v4') as Theme;
const darkTheme = themes.dark.getTheme('v4') as Theme;

const cases: Array<[string, Theme]> = [
  ['light', lightTheme],
  ['dark', darkTheme],
];

describe('severityColors', () => {
  it.each(cases)(
    'maps each severity to a colour of the %s theme palette',
    (_, theme) => {
      const { palette } = theme;
      const dark = palette.type === 'dark';
      expect(severityColors(theme)).toEqual({
        critical: expect.objectContaining({
          main: dark ? palette.error.light : palette.error.dark,
        }),
        high: expect.objectContaining({
          main: dark ? palette.warning.main : palette.warning.dark,
        }),
        medium: expect.objectContaining({ main: palette.warning.light }),
        low: expect.objectContaining({
          main: dark ? palette.info.light : palette.info.dark,
        }),
        info: expect.objectContaining({ main: palette.text.secondary }),
      });
    },
  );

  it.each(cases)(
    'gives every severity its own colour in the %s theme',
    (_, theme) => {
      const mains = PERISCOPE_SEVERITIES.map(s => severityColor(theme, s).main);
      expect(new Set(mains).size).toBe(PERISCOPE_SEVERITIES.length);
    },
  );

  it.each(cases)(
    'puts readable text (at least 4.5:1) on each severity colour in the %s theme',
    (_, theme) => {
      for (const s of PERISCOPE_SEVERITIES) {
        const c = severityColor(theme, s);
        expect({
          s,
          ratio: getContrastRatio(c.main, c.contrastText) >= 4.5,
        }).toEqual({ s, ratio: true });
      }
    },
  );

  it('stands out (at least 3:1) on the dark theme paper and background', () => {
    const { background } = darkTheme.palette;
    for (const s of PERISCOPE_SEVERITIES) {
      const { main } = severityColor(darkTheme, s);
      expect({
        s,
        paper: getContrastRatio(main, background.paper) >= 3,
      }).toEqual({ s, paper: true });
      expect({
        s,
        page: getContrastRatio(main, background.default) >= 3,
      }).toEqual({ s, page: true });
    }
  });

  it('is the light colour on a light theme and the dark one on a dark theme', () => {
    // the dark variants differ from the light ones, so a chip shows which theme it was drawn with
    for (const s of ['critical', 'high', 'low'] as const) {
      expect(severityColor(darkTheme, s).main).not.toBe(
        severityColor(lightTheme, s).main,
      );
    }
    // the values the dark-theme browser test (e2e-tests/theme.spec.ts) expects
    expect(severityColor(darkTheme, 'critical').main).toBe('#e57373');
    expect(severityColor(darkTheme, 'high').main).toBe('#ff9800');
    expect(severityColor(darkTheme, 'medium').main).toBe('#ffb74d');
    expect(severityColor(darkTheme, 'low').main).toBe('#64b5f6');
  });
});

describe('SeverityChip and SeveritySummary', () => {
  const hex = (rgb: string) =>
    `#${(rgb.match(/\d+/g) ?? [])
      .slice(0, 3)
      .map(n => Number(n).toString(16).padStart(2, '0'))
      .join('')}`;

  it.each([
    ['light', themes.light, lightTheme],
    ['dark', themes.dark, darkTheme],
  ])('draw with the %s theme palette', (_, unified, theme) => {
    render(
      <UnifiedThemeProvider theme={unified}>
        <SeverityChip severity="critical" />
        <SeveritySummary
          counts={{ high: 2 }}
          label="open findings by severity"
        />
      </UnifiedThemeProvider>,
    );
    const chip = screen
      .getByText('critical')
      .closest('[data-severity]') as HTMLElement;
    expect(hex(chip.style.backgroundColor)).toBe(
      severityColor(theme, 'critical').main,
    );
    const high = screen
      .getByText('2 high')
      .closest('[data-severity]') as HTMLElement;
    expect(hex(high.style.backgroundColor)).toBe(
      severityColor(theme, 'high').main,
    );
    // none of that severity: outlined in its colour, no fill
    const low = screen
      .getByText('0 low')
      .closest('[data-severity]') as HTMLElement;
    expect(low.style.backgroundColor).toBe('');
    expect(hex(low.style.borderColor)).toBe(severityColor(theme, 'low').main);
    expect(
      screen.getByLabelText('open findings by severity'),
    ).toBeInTheDocument();
  });
});
