import type { FlameNode } from './cpu-profile.js';

/**
 * A flame graph (Brendan Gregg's layout: the root at the bottom, callees stacked above their caller, width =
 * time) as one self-contained SVG: opens in any browser, hovering a frame shows its name and time, clicking it
 * zooms to it (a few lines of inline script; clicking the root zooms out).
 */
const WIDTH = 1400;
const ROW = 17;
const FONT = 11;
const CHAR = 6.4; // average advance of an 11 px monospace glyph
const MIN_PX = 0.4;

const PALETTE: Record<string, string> = {
  ours: '#e0533b',
  vm: '#9e9e9e',
  node: '#e8b64c',
  native: '#b58bd6',
};

function colour(origin: string): string {
  if (PALETTE[origin]) return PALETTE[origin];
  // Packages: greens and teals, one steady colour per package
  let hash = 0;
  for (const c of origin) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${120 + (hash % 70)}, 45%, ${55 + (hash % 15)}%)`;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function depthOf(node: FlameNode, scale: number): number {
  let deepest = 0;
  for (const child of node.children)
    if (child.total * scale >= MIN_PX) deepest = Math.max(deepest, depthOf(child, scale));
  return deepest + 1;
}

export function flameGraphSvg(root: FlameNode, title: string, subtitle: string): string {
  const scale = WIDTH / Math.max(1, root.total);
  const depth = depthOf(root, scale);
  const top = 48;
  const height = top + depth * ROW + 24;
  const frames: string[] = [];
  const draw = (node: FlameNode, x: number, level: number) => {
    const w = node.total * scale;
    if (w < MIN_PX) return;
    const y = height - 24 - (level + 1) * ROW;
    const share = ((node.total / root.total) * 100).toFixed(2);
    const label = `${node.name} — ${(node.total / 1000).toFixed(1)} ms, ${share} % (self ${(node.self / 1000).toFixed(1)} ms) [${node.origin}]`;
    const chars = Math.floor((w - 4) / CHAR);
    const text = chars >= 3 ? (node.name.length <= chars ? node.name : `${node.name.slice(0, chars - 1)}…`) : '';
    frames.push(
      `<g class="f" data-x="${x.toFixed(2)}" data-w="${w.toFixed(2)}"><title>${escape(label)}</title>` +
        `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${colour(node.origin)}" rx="1"/>` +
        `<text x="${(x + 3).toFixed(2)}" y="${y + ROW - 5}">${escape(text)}</text></g>`,
    );
    let childX = x;
    for (const child of node.children) {
      draw(child, childX, level + 1);
      childX += child.total * scale;
    }
  };
  draw(root, 0, 0);
  const legend = Object.entries({
    'our code (dist/)': PALETTE.ours,
    'Node.js internals': PALETTE.node,
    'native / builtins': PALETTE.native,
    'VM: (program), GC': PALETTE.vm,
    packages: colour('package'),
  })
    .map(
      ([name, fill], i) =>
        `<rect x="${10 + i * 190}" y="${30}" width="12" height="12" fill="${fill}"/><text x="${26 + i * 190}" y="${40}">${escape(name)}</text>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="${FONT}">
<style>.f:hover rect{stroke:#000;stroke-width:0.7} text{pointer-events:none} .f{cursor:pointer}</style>
<rect width="100%" height="100%" fill="#fffdf8"/>
<text x="10" y="18" font-size="14" font-weight="bold">${escape(title)}</text>
<text x="${WIDTH - 10}" y="18" text-anchor="end">${escape(subtitle)}</text>
${legend}
<g id="frames">${frames.join('\n')}</g>
<script><![CDATA[
// Click a frame to zoom to its width; click the bottom frame to zoom out.
const W = ${WIDTH}, CHAR = ${CHAR};
const groups = [...document.querySelectorAll('.f')];
for (const g of groups) g.addEventListener('click', () => zoom(+g.dataset.x, +g.dataset.w));
function zoom(x0, w0) {
  const k = W / w0;
  for (const g of groups) {
    const r = g.querySelector('rect'), t = g.querySelector('text'), name = g.querySelector('title').textContent.split(' — ')[0];
    const x = (+g.dataset.x - x0) * k, w = +g.dataset.w * k;
    const visible = x + w > 0 && x < W;
    g.style.display = visible ? '' : 'none';
    r.setAttribute('x', x); r.setAttribute('width', w); t.setAttribute('x', x + 3);
    const chars = Math.floor((w - 4) / CHAR);
    t.textContent = chars >= 3 ? (name.length <= chars ? name : name.slice(0, chars - 1) + '…') : '';
  }
}
]]></script>
</svg>
`;
}
