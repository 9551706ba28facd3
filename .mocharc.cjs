// Mocha's configuration. The whole suite by default (`npm test`); `npx mocha test/a.test.ts ...`
// runs only the files named: mocha would otherwise add them to the configured spec and run it all.
// A value of --ignore (`--ignore 'test/vscode/**'`) is a pattern to leave out, not a file to run.
const args = process.argv.slice(2);
const namesFiles = args.some(
  (arg, index) => !["--ignore", "-i"].includes(args[index - 1] ?? "") && (/\.(test|spec)\.[cm]?[jt]s$/.test(arg) || /^test\//.test(arg)),
);

module.exports = {
  ...(namesFiles ? {} : { spec: ["test/**/*.test.ts"] }),
  ignore: ["test/vscode/suite/**", "test/**/fixtures/**"],
  "node-option": ["import=tsx"],
  timeout: 20000,
  reporter: "spec",
  exit: true,
};
