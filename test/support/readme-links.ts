/**
 * Relative link targets of a Markdown text (README.md), without their
 * #fragment: the files a reader is sent to, which must exist both in the
 * repository and in the packed package.
 *
 * @example
 * readmeRelativeLinks('[log line](docs/log-line.md#fields)'); // ['docs/log-line.md']
 */
export function readmeRelativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  return [...new Set(targets.filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#')).map((t) => t.split('#')[0]))];
}
