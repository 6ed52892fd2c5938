/**
 * This package's version, sent in the remote-write `User-Agent`
 * (wire-protocols.md §1.2: `<name>/<version>`). A test keeps it equal to
 * package.json's.
 *
 * @example
 * `grafana-openai-monitoring/${VERSION}`;
 */
export const VERSION = '1.0.0';
export const USER_AGENT = `grafana-openai-monitoring/${VERSION}`;
