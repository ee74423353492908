/**
 * The Prometheus text exposition format, version 0.0.4: `# HELP`, `# TYPE`, then one line per
 * sample. Escaping rules differ between HELP text (backslash, newline) and label values
 * (backslash, double quote, newline); getting them wrong breaks the whole scrape, not one line.
 */

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function formatSample({ name, labels, value }: Sample): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
}

export function renderFamily(name: string, help: string, type: string, samples: Sample[]): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n${samples.map(formatSample).join('')}`;
}
