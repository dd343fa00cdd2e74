/**
 * Line charts as standalone SVG, written by hand: no browser, no dependency. Each series is a polyline
 * with its points marked, named in a legend; axes carry ticks at the given values.
 */
export type Series = { name: string; points: readonly (readonly [x: number, y: number])[] };

export type Axis = {
  label: string;
  /** The values ticked and labelled on the axis, in data units. */
  ticks: readonly { value: number; label: string }[];
  /** log10 scale (every value must be positive). */
  log?: boolean;
};

export type Chart = { title: string; x: Axis; y: Axis; series: readonly Series[] };

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 190, top: 40, bottom: 55 };
/** Colour-blind-safe (Okabe-Ito). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

const fixed = (value: number) => value.toFixed(1);

/** Maps data values of an axis onto [from, to] pixels, linear or log10, spanning its ticks and data. */
function scale(axis: Axis, values: readonly number[], from: number, to: number): (value: number) => number {
  const t = (value: number) => (axis.log ? Math.log10(value) : value);
  const all = [...values, ...axis.ticks.map((tick) => tick.value)].map(t).filter(Number.isFinite);
  const low = Math.min(...all, axis.log ? Infinity : 0);
  const high = Math.max(...all);
  const span = high - low || 1;
  return (value) => from + ((t(value) - low) / span) * (to - from);
}

export function lineChart(chart: Chart): string {
  const plot = {
    left: MARGIN.left,
    right: WIDTH - MARGIN.right,
    top: MARGIN.top,
    bottom: HEIGHT - MARGIN.bottom,
  };
  const points = chart.series.flatMap((series) => series.points);
  const x = scale(
    chart.x,
    points.map(([value]) => value),
    plot.left,
    plot.right,
  );
  const y = scale(
    chart.y,
    points.map(([, value]) => value),
    plot.bottom,
    plot.top,
  );
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(chart.title)}</text>`,
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#333333"/>`,
    `<line x1="${plot.left}" y1="${plot.top}" x2="${plot.left}" y2="${plot.bottom}" stroke="#333333"/>`,
  ];
  for (const tick of chart.x.ticks) {
    const at = fixed(x(tick.value));
    parts.push(
      `<line x1="${at}" y1="${plot.top}" x2="${at}" y2="${plot.bottom}" stroke="#dddddd"/>`,
      `<text x="${at}" y="${plot.bottom + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  for (const tick of chart.y.ticks) {
    const at = fixed(y(tick.value));
    parts.push(
      `<line x1="${plot.left}" y1="${at}" x2="${plot.right}" y2="${at}" stroke="#dddddd"/>`,
      `<text x="${plot.left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(plot.left + plot.right) / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(chart.x.label)}</text>`,
    `<text x="16" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(plot.top + plot.bottom) / 2})">${escapeXml(chart.y.label)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const coordinates = series.points.map(([px, py]) => `${fixed(x(px))},${fixed(y(py))}`);
    parts.push(
      `<g data-series="${escapeXml(series.name)}">`,
      `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      ...coordinates.map((point) => {
        const [cx, cy] = point.split(',');
        return `<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`;
      }),
      '</g>',
      `<line x1="${plot.right + 15}" y1="${plot.top + 10 + i * 20}" x2="${plot.right + 35}" y2="${plot.top + 10 + i * 20}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${plot.right + 40}" y="${plot.top + 10 + i * 20}" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** About five round ticks from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function linearTicks(max: number, format: (value: number) => string = String): Axis['ticks'] {
  const raw = (max > 0 ? max : 1) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw)!;
  const count = Math.ceil((max > 0 ? max : 1) / step);
  return Array.from({ length: count + 1 }, (_, i) => ({ value: i * step, label: format(i * step) }));
}
