/**
 * The report as one self-contained HTML page: inline CSS and SVG charts, no
 * script, no network, light and dark through prefers-color-scheme. Pure.
 */
import { agentTable, conflictTable, coordinationLine, footnotes, summaryTable, type TextTable } from './format';
import type { Report, WeekRow } from './metrics';

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function htmlTable(table: TextTable): string {
  const head = table.headers.map((h) => `<th>${escape(h)}</th>`).join('');
  const body = table.rows.map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${escape(c)}</th>` : `<td>${escape(c)}</td>`)).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

interface Bucket {
  label: string;
  start: string;
  values: number[];
}

/** At most `max` bars: consecutive weeks are summed into buckets when there are more. */
export function bucketWeeks(weeks: readonly WeekRow[], pick: (w: WeekRow) => number[], max = 78): Bucket[] {
  const size = Math.max(1, Math.ceil(weeks.length / max));
  const buckets: Bucket[] = [];
  for (let i = 0; i < weeks.length; i += size) {
    const group = weeks.slice(i, i + size);
    const values = group.map(pick).reduce((sum, v) => sum.map((s, k) => s + v[k]));
    buckets.push({ label: size === 1 ? group[0].week : `${group[0].week}…${group[group.length - 1].week}`, start: group[0].start, values });
  }
  return buckets;
}

const WIDTH = 760;
const HEIGHT = 180;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

/**
 * Bars per bucket: the first series as the full bar, the next ones drawn over
 * it (each a part of the first), with a dashed line at the adoption week.
 */
function barChart(title: string, buckets: Bucket[], series: Array<{ name: string; color: 's0' | 's1' | 's2' }>, adoptionDay?: string): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const top = Math.max(1, ...buckets.map((b) => b.values[0]));
  const step = plotW / Math.max(1, buckets.length);
  const barW = Math.min(40, Math.max(1, step * 0.8));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const rect = (x: number, v: number, k: number, label: string) => {
    const tip = escape(`${label}: ${series[k].name} ${v}`);
    return `<rect class="${series[k].color}" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + plotH - y(v)).toFixed(1)}"><title>${tip}</title></rect>`;
  };
  const bars = buckets
    .map((b, i) => b.values.map((v, k) => (v > 0 ? rect(PAD.left + i * step + (step - barW) / 2, v, k, b.label) : '')).join(''))
    .join('');
  const firstLabel = buckets[0]?.start ?? '';
  const lastLabel = buckets[buckets.length - 1]?.start ?? '';
  let marker = '';
  if (adoptionDay) {
    const index = buckets.findIndex((b, i) => b.start <= adoptionDay && (buckets[i + 1]?.start ?? '9999') > adoptionDay);
    if (index >= 0) {
      const x = PAD.left + index * step;
      marker = `<line class="adoption" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/><text class="axis" x="${(x + 4).toFixed(1)}" y="${PAD.top + 10}">AgentSync</text>`;
    }
  }
  const legend = series.map(({ name, color }) => `<span class="key ${color}"></span>${escape(name)}`).join(' ');
  return `<figure><figcaption>${escape(title)} <span class="legend">${legend}</span></figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(title)}">
<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(top)}" y2="${y(top)}"/><line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(0)}" y2="${y(0)}"/>
<text class="axis" x="${PAD.left - 4}" y="${y(top) + 4}" text-anchor="end">${top}</text><text class="axis" x="${PAD.left - 4}" y="${y(0) + 4}" text-anchor="end">0</text>
${bars}${marker}
<text class="axis" x="${PAD.left}" y="${HEIGHT - 6}">${escape(firstLabel)}</text><text class="axis" x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" text-anchor="end">${escape(lastLabel)}</text>
</svg></figure>`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --card: #f6f8fa; --s0: #8c959f; --s1: #cf222e; --s2: #8250df; --ok: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --card: #161b22; --s0: #6e7681; --s1: #ff7b72; --s2: #d2a8ff; --ok: #3fb950; } }
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 800px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; } .sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card b { display: block; font-size: 20px; } .card span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; } thead th { color: var(--muted); font-weight: 600; }
figure { margin: 16px 0; } figcaption { font-weight: 600; margin-bottom: 4px; } .legend { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 8px; }
.key { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 8px; border-radius: 2px; } .key.s0 { background: var(--s0); } .key.s1 { background: var(--s1); } .key.s2 { background: var(--s2); }
svg { width: 100%; height: auto; } rect.s0 { fill: var(--s0); } rect.s1 { fill: var(--s1); } rect.s2 { fill: var(--s2); }
.grid { stroke: var(--line); } .axis { fill: var(--muted); font-size: 11px; } .adoption { stroke: var(--ok); stroke-dasharray: 4 3; stroke-width: 2; }
ul.notes { color: var(--muted); }`;

/** A cell's figure without its parenthesised detail: "12.5% (3 of 24)" → "12.5%". */
const headline = (cell: string) => cell.split(' (')[0];

function cards(report: Report): string {
  const rows = summaryTable(report).rows;
  const pick = ['conflicted merges', 'hot-file conflicts', 'deploys', 'reverts', 'churn', 'rework rate', 'build success', 'MTTR'];
  return rows
    .filter((row) => pick.some((p) => row[0].startsWith(p)))
    .map((row) => {
      const value = row.length > 2 ? `${headline(row[2])} → ${headline(row[3])}` : headline(row[1]);
      const detail = row.length > 2 ? `all: ${row[1]}` : (/\((.*)\)$/.exec(row[1])?.[1] ?? '');
      return `<div class="card"><span>${escape(row[0])}</span><b>${escape(value)}</b><span>${escape(detail)}</span></div>`;
    })
    .join('\n');
}

/** The whole page. */
export function renderHtml(report: Report, generatedAt: Date): string {
  const adoptionDay = report.adoption?.at.slice(0, 10);
  const charts = report.weeks.length
    ? [
        barChart('Merges per week', bucketWeeks(report.weeks, (w) => [w.merges, w.conflicted]), [{ name: 'merges', color: 's0' }, { name: 'conflicted', color: 's1' }], adoptionDay),
        barChart('Hot files conflicted per week', bucketWeeks(report.weeks, (w) => [w.hotFileConflicts]), [{ name: 'hot files', color: 's2' }], adoptionDay),
        barChart('Deploys per week', bucketWeeks(report.weeks, (w) => [w.deploys]), [{ name: 'deploys', color: 's0' }], adoptionDay),
        barChart(
          'Lines changed per week',
          bucketWeeks(report.weeks, (w) => [w.linesAdded, w.linesReworked]),
          [{ name: 'added', color: 's0' }, { name: `reworked within ${report.rework.windowDays} days`, color: 's1' }],
          adoptionDay,
        ),
      ].join('\n')
    : '<p>No commits in this window.</p>';
  const notes = footnotes(report);
  const title = `AgentSync report: ${report.branch}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escape(title)}</h1>
<p class="sub">${escape(`${report.head.slice(0, 10)} · generated ${generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`)}</p>
${report.periods && report.adoption ? `<p class="sub">Before → after AgentSync (adopted ${escape(report.adoption.at.slice(0, 10))}, ${escape(report.adoption.commit.slice(0, 10))})</p>` : ''}
<div class="cards">${cards(report)}</div>
${charts}
<h2>Numbers</h2>
${htmlTable(summaryTable(report))}
${report.conflictedFiles.length ? `<h2>Most conflicted files</h2>\n${htmlTable(conflictTable(report))}` : ''}
${report.coordination.agents.length ? `<h2>Agents</h2>\n<p>${escape(coordinationLine(report))}</p>\n${htmlTable(agentTable(report))}` : ''}
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
