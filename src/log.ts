// The logger. On a terminal (pretty): one readable line per event, printed above the live
// progress. Elsewhere (CI, pipes, --log-format json): pino's JSON lines on stderr.
import pino, { type Logger } from 'pino';

export type LogFormat = 'pretty' | 'json';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where log lines go: a stream, or the progress renderer (which keeps its live block below them). */
export interface LineSink {
  write(line: string): void;
}

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  sink: LineSink;
  color: boolean;
}

// Never log these, whatever a call site passes along.
const REDACT = ['*.secretAccessKey', '*.sessionToken', '*.accessKeyId', 'credentials', '*.credentials', '*.password', '*.token', '*.ClientToken'];

export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, base: undefined, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.format === 'json') {
    return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => options.sink.write(line) });
  }
  // pino-pretty is loaded only for terminals; its factory formats one JSON line at a time.
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  const verbose = options.level === 'debug' || options.level === 'trace';
  const pretty = prettyFactory({
    colorize: options.color,
    translateTime: 'HH:MM:ss',
    ignore: 'pid,hostname,step,resource,id,outcome,changes,kind',
    hideObject: !verbose,
    messageFormat: (log: Record<string, unknown>, messageKey: string) =>
      `${typeof log.step === 'string' ? `${log.step.padEnd(10)} ` : ''}${String(log[messageKey] ?? '')}`,
  });
  return pino(base, { write: (line: string) => options.sink.write(pretty(JSON.parse(line))) });
}
