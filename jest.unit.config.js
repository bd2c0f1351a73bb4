// `npm run test:unit`: the `unit` project of jest.config.js alone. A config file rather
// than `jest --selectProjects unit`, which takes any path given after it
// (`npm run test:unit -- test/stix`) for one more project name.
const { projects, ...global } = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...global, projects: projects.filter((project) => project.displayName === 'unit') };
