import { cronScheduleError } from './cron';

describe('cronScheduleError (robfig/cron v3 ParseStandard)', () => {
  it.each([
    '*/5 * * * *',
    '0 0 1 1 *',
    '15,45 9-17 * jan-mar mon-fri',
    '@daily',
    '@every 1h30m',
    'TZ=UTC 0 3 * * *',
    '0 0 ? * SUN',
  ])('accepts %s', s => expect(cronScheduleError(s)).toBeUndefined());

  it.each([
    ['invalid-cron', 'expected exactly 5 fields, found 1: [invalid-cron]'],
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    [
      'a * * * *',
      'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax',
    ],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['@sometimes', 'unrecognized descriptor: @sometimes'],
    [
      '@every 5',
      'failed to parse duration @every 5: time: missing unit in duration "5"',
    ],
  ])('%s → %s', (s, err) => expect(cronScheduleError(s)).toBe(err));
});
