// The layers of src/, bottom to top. A module may import its own folder and any folder of a
// lower layer; never a higher layer, never a sibling in its own layer. `npm run lint` fails
// on any import that breaks this; `npm run layers` draws docs/layers.svg from the same list.
const LAYERS = [
  { name: 'vocabulary', folders: ['vocabulary'], says: 'time, STIX ids: words every layer uses' },
  { name: 'directory', folders: ['directory'], says: "the directory's records, MOU terms, the hub's names" },
  { name: 'store + stix', folders: ['store', 'stix'], says: 'persistence; the STIX 2.1 gatekeeper' },
  { name: 'access', folders: ['access'], says: 'who is asking, what they may touch' },
  { name: 'sharing + audit', folders: ['sharing', 'audit'], says: 'who sees what; the audit log' },
  { name: 'taxii + admin', folders: ['taxii', 'admin'], says: 'use cases: TAXII 2.1, administration' },
  { name: 'http', folders: ['http'], says: 'express routers, media types, auth, errors' },
  { name: 'composition', folders: ['*.ts'], says: 'the composition root (main.ts, hub.ts), config, logger' },
  { name: 'cli', folders: ['cli'], says: 'the concord command' },
];

// A folder of src/, or `*.ts`: the files at the top of src/.
const path = (folder) => (folder === '*.ts' ? '^src/[^/]+\\.ts$' : `^src/${folder}/`);

const forbidden = [];
LAYERS.forEach((layer, i) => {
  for (const folder of layer.folders) {
    const above = LAYERS.slice(i + 1).flatMap((l) => l.folders);
    const siblings = layer.folders.filter((f) => f !== folder);
    if (above.length > 0) {
      forbidden.push({
        name: `${folder}-imports-upwards`,
        comment: `${folder} (layer ${layer.name}) may not import a higher layer: ${above.join(', ')}`,
        severity: 'error',
        from: { path: path(folder) },
        to: { path: above.map(path) },
      });
    }
    if (siblings.length > 0) {
      forbidden.push({
        name: `${folder}-imports-sibling`,
        comment: `${folder} may not import ${siblings.join(', ')}: same layer (${layer.name})`,
        severity: 'error',
        from: { path: path(folder) },
        to: { path: siblings.map(path) },
      });
    }
  }
});

forbidden.push(
  {
    name: 'no-circular',
    comment: 'modules may not import each other in a loop',
    severity: 'error',
    from: { path: '^src/' },
    to: { circular: true },
  },
  {
    name: 'not-in-layers',
    comment: 'every module of src/ belongs to a layer in .dependency-cruiser.cjs',
    severity: 'error',
    from: { path: '^src/', pathNot: LAYERS.flatMap((l) => l.folders).map(path) },
    to: {},
  },
  {
    name: 'database-outside-store',
    comment: 'only src/store knows a database exists',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/store/' },
    to: { path: 'node_modules/(better-sqlite3|mongodb)/', dependencyTypes: ['npm'] },
  },
  {
    name: 'express-below-http',
    comment: 'nothing below http sees req or res',
    severity: 'error',
    from: { path: LAYERS.slice(0, LAYERS.findIndex((l) => l.name === 'http')).flatMap((l) => l.folders).map(path) },
    to: { path: 'node_modules/express/' },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|node_modules/(better-sqlite3|mongodb|express)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
// For .ci/draw-layers.cjs; not enumerable, so that dependency-cruiser's own schema does not see it.
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
