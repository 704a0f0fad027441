/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for the metrics
 * tests: every line must be a `# HELP`, a `# TYPE` or a sample `name{label="value",…} value`
 * of a family declared before it, label values unescaped (`\\`, `\"`, `\n`). (The npm parser
 * tried first drops the labels of labelled histograms, so it could not check them.)
 */
export interface PrometheusSample {
  /** The sample's own name: `x`, or `x_bucket`/`x_sum`/`x_count` for a histogram `x`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: PrometheusSample[];
}

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    if (match[1] in labels) throw new Error(`label ${match[1]} twice in: ${line}`);
    labels[match[1]] = match[2].replace(/\\(["\\n])/g, (_, character: string) => (character === 'n' ? '\n' : character));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const familyOf = (sampleName: string): PrometheusFamily | undefined => {
    const direct = families.get(sampleName);
    if (direct) return direct;
    const base = sampleName.replace(/_(bucket|sum|count)$/, '');
    const family = families.get(base);
    return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!namePattern.test(name)) throw new Error(`bad metric name: ${line}`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, kind === 'HELP' ? { ...family, help: rest } : { ...family, type: rest });
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`);
    // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client writes `Nan`).
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|(?:nan|[+-]inf))$/i.exec(line);
    if (!sample) throw new Error(`bad sample line: ${line}`);
    const family = familyOf(sample[1]);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    const raw = sample[3].toLowerCase();
    const value = raw === 'nan' ? Number.NaN : raw === '+inf' ? Infinity : raw === '-inf' ? -Infinity : Number(raw);
    family.samples.push({ name: sample[1], labels: parseLabels(sample[2] ?? '', line), value });
  }
  return families;
}
