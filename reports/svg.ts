// Line charts as inline SVG, drawn here so the HTML report needs nothing from the network.
import { htmlEscape } from './html-escape.js';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** x tick labels for categorical axes (run labels): index -> text */
  xCategories?: readonly string[];
  width?: number;
  height?: number;
  id?: string;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** 0, 1, 2, 5 x 10^k steps: about `count` ticks covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1e6) return String(Number((v / 1e6).toFixed(2))) + 'M';
  if (Math.abs(v) >= 1e4) return String(Number((v / 1e3).toFixed(1))) + 'k';
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)));
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 560, H = o.height ?? 260;
  // the legend gets its own band under the title so it never covers a line
  const legend = o.series.length > 1;
  const left = 58, right = 14, top = legend ? 44 : 30, bottom = 46;
  const pw = W - left - right, ph = H - top - bottom;
  const all = o.series.flatMap((s) => s.points);
  const xMaxRaw = o.xCategories ? Math.max(1, o.xCategories.length - 1) : Math.max(0, ...all.map((p) => p[0]));
  const yTicks = niceTicks(Math.max(0, ...all.map((p) => p[1])));
  const yMax = yTicks[yTicks.length - 1]!;
  const xTicks = o.xCategories ? o.xCategories.map((_, i) => i) : niceTicks(xMaxRaw, 6);
  const xMax = o.xCategories ? xMaxRaw : xTicks[xTicks.length - 1]!;
  const sx = (x: number): number => left + (xMax > 0 ? (x / xMax) * pw : pw / 2);
  const sy = (y: number): number => top + ph - (yMax > 0 ? (y / yMax) * ph : 0);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart"${o.id ? ` id="${htmlEscape(o.id)}"` : ''} width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${htmlEscape(o.title)}">`);
  out.push(`<title>${htmlEscape(o.title)}</title>`);
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${htmlEscape(o.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${left - 6}" y="${y}" dy="0.32em" text-anchor="end" class="tick">${fmt(t)}</text>`);
  }
  const step = o.xCategories ? Math.max(1, Math.ceil(o.xCategories.length / 8)) : 1;
  xTicks.forEach((t, i) => {
    if (i % step !== 0) return;
    const x = sx(t).toFixed(1);
    const label = o.xCategories ? o.xCategories[i]! : fmt(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${top + ph}" y2="${top + ph + 4}" class="axis"/>`);
    // categorical labels at the ends are anchored inward so they are not cut at the edge
    const anchor = !o.xCategories || xTicks.length < 2 ? 'middle' : i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle';
    out.push(`<text x="${x}" y="${top + ph + 16}" text-anchor="${anchor}" class="tick">${htmlEscape(label.length > 16 ? label.slice(0, 15) + '…' : label)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + ph}" class="axis"/>`);
  out.push(`<line x1="${left}" x2="${left + pw}" y1="${top + ph}" y2="${top + ph}" class="axis"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 6}" text-anchor="middle" class="axis-label">${htmlEscape(o.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${htmlEscape(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (s.points.length === 0) return;
    const pts = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    out.push(`<polyline class="series" data-series="${htmlEscape(s.name)}" fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    if (s.points.length <= 40) {
      for (const p of s.points) {
        out.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${colour}"><title>${htmlEscape(s.name)}: ${fmt(p[1])}</title></circle>`);
      }
    }
    if (legend) {
      const lx = left + 8 + i * 130, ly = 26;
      out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="${ly + 9}" class="legend">${htmlEscape(s.name.length > 16 ? s.name.slice(0, 15) + '…' : s.name)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('');
}
