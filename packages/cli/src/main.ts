import { runCli } from './program';

runCli(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  e => {
    process.stderr.write(`periscope: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  },
);
