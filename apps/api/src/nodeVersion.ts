/**
 * Run by `npm start` before its build and imported first by main.ts: on a Node older than package.json's
 * `engines` the api stops here with a clear message, rather than on the first dependency that needs the
 * newer Node (the console build's native binding, an ES module loaded with require() before Node 20.19).
 */
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`The api needs Node.js 20.19 or later (package.json engines); this is ${process.version}.`);
  process.exit(1);
}
