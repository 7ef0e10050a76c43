// pino-roll ships no type declarations; this is the part of its API the agent uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface PinoRollOptions {
    file: string | (() => string);
    size?: number | string;
    frequency?: number | string;
    extension?: string;
    symlink?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
  }

  export default function build(options: PinoRollOptions): Promise<DestinationStream>;
}
