import type { Observation } from '../record/observation.js';

/**
 * How one endpoint's responses are read into an Observation. Readers only read:
 * they never mutate what the app receives.
 */
export interface ResultReader {
  /** Fills `obs` from a complete (non-streamed) response body. */
  readResponse(data: unknown, obs: Observation): void;
  /** Starts reading the chunks of one stream. */
  startStream(): StreamAccumulator;
}

/** Accumulates what a stream's chunks say, then writes it into the Observation once. */
export interface StreamAccumulator {
  add(chunk: unknown): void;
  finish(obs: Observation): void;
}
