'use strict';
/*
 * Builds a service's TypeScript handlers for `wsapi offline` (typescript.py), as its build plugin builds them,
 * with the compiler in the service's own node_modules:
 *   esbuild     serverless-esbuild: custom.esbuild's options passed to esbuild (bundle, platform node, the
 *               runtime's target, `exclude` (default aws-sdk) left external, `outputFileExtension`), one
 *               entry point per handler file, the output under OUT_DIR/<the entry's folder>;
 *   typescript  serverless-plugin-typescript: the service's tsconfig.json (or
 *               custom.serverlessPluginTypescript.tsConfigFileLocation), rootDir the service, outDir OUT_DIR.
 * Source maps on (the worker runs with --enable-source-maps, so stacks name .ts lines). OUT_DIR gets a
 * package.json whose "type" matches the output's module format.
 *
 *   node node_build.cjs CONFIG   (JSON: tool, serviceDir, outDir, entries, options, target)
 *
 * Prints one JSON document: {"outputs": {entry: built file}, "errors": [...], "warnings": [...]}.
 */

const fs = require('fs');
const path = require('path');

const PLUGIN_OPTIONS = ['concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch',
  'keepOutputDirectory', 'packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder',
  'outputWorkFolder', 'nodeExternals', 'skipBuild', 'skipRebuild', 'skipBuildExcludeFns',
  'stripEntryResolveExtensions', 'disposeContext', 'config'];

function resolveTool(name, serviceDir) {
  return require(require.resolve(name, { paths: [serviceDir] }));
}

function message(entry, located) {
  const where = located.location ? `${located.location.file}:${located.location.line}:${located.location.column}: ` : '';
  return `${entry}: ${where}${located.text}`;
}

async function buildWithEsbuild(config, result) {
  const esbuild = resolveTool('esbuild', config.serviceDir);
  const settings = { ...config.options };
  if (settings.config !== undefined) {
    result.errors.push('custom.esbuild.config: a configuration module is not read offline; put its options in custom.esbuild');
    return;
  }
  if (typeof settings.plugins === 'string') {
    const plugins = require(path.resolve(config.serviceDir, settings.plugins));
    settings.plugins = plugins && plugins.default !== undefined ? plugins.default : plugins;
    if (!Array.isArray(settings.plugins)) {
      result.errors.push('custom.esbuild.plugins: offline reads a module that exports an array of esbuild plugins');
      return;
    }
  }
  const exclude = settings.exclude === undefined ? ['aws-sdk'] : [].concat(settings.exclude);
  const extension = settings.outputFileExtension || '.js';
  const options = {
    bundle: true,
    platform: 'node',
    target: config.target,
    sourcemap: true,
    ...Object.fromEntries(Object.entries(settings).filter(([key]) => !PLUGIN_OPTIONS.includes(key))),
  };
  options.external = [].concat(settings.external || [], exclude.includes('*') ? [] : exclude);
  if (extension !== '.js') options.outExtension = { '.js': extension };
  const esm = options.format === 'esm' || (options.format === undefined && options.platform === 'neutral');
  for (const entry of config.entries) {
    try {
      const built = await esbuild.build({
        ...options,
        entryPoints: [path.join(config.serviceDir, entry)],
        outdir: path.join(config.outDir, path.dirname(entry)),
        absWorkingDir: config.serviceDir,
        logLevel: 'silent',
        write: true,
      });
      for (const warning of built.warnings || []) result.warnings.push(message(entry, warning));
      const stem = path.basename(entry, path.extname(entry));
      result.outputs[entry] = path.join(config.outDir, path.dirname(entry), stem + extension);
    } catch (error) {
      const errors = error && Array.isArray(error.errors) ? error.errors : [{ text: String(error && error.message) }];
      for (const located of errors) result.errors.push(message(entry, located));
    }
  }
  fs.writeFileSync(path.join(config.outDir, 'package.json'), JSON.stringify({ type: esm ? 'module' : 'commonjs' }));
}

function nearestType(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')).type === 'module' ? 'module' : 'commonjs';
      } catch (error) {
        return 'commonjs';
      }
    }
    if (path.dirname(dir) === dir) return 'commonjs';
  }
}

function buildWithTypescript(config, result) {
  const ts = resolveTool('typescript', config.serviceDir);
  if (typeof ts.createProgram !== 'function') {
    result.errors.push(`typescript ${ts.version || ''} has no compiler API (typescript 7 is a native compiler); ` +
      'serverless-plugin-typescript needs typescript 5: npm install --save-dev typescript@5');
    return;
  }
  const host = ts.sys;
  const format = (diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n').join(' ');
    if (!diagnostic.file) return text;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${path.relative(config.serviceDir, diagnostic.file.fileName)} (${line + 1},${character + 1}): ${text}`;
  };
  const configFile = path.resolve(config.serviceDir, config.options.tsConfigFileLocation || 'tsconfig.json');
  let options = {
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 || ts.ModuleResolutionKind.NodeJs,
    esModuleInterop: true, allowJs: true, preserveConstEnums: true, strictNullChecks: true,
  };
  if (fs.existsSync(configFile)) {
    const read = ts.readConfigFile(configFile, host.readFile);
    if (read.error) {
      result.errors.push(`${path.relative(config.serviceDir, configFile)}: ${format(read.error)}`);
      return;
    }
    const parsed = ts.parseJsonConfigFileContent(read.config, host, path.dirname(configFile));
    if (parsed.errors.length) {
      for (const error of parsed.errors) result.errors.push(`${path.relative(config.serviceDir, configFile)}: ${format(error)}`);
      return;
    }
    options = parsed.options;
  }
  options = {
    ...options, outDir: config.outDir, rootDir: config.serviceDir, noEmit: false, noEmitOnError: false,
    declaration: false, declarationMap: false, composite: false, incremental: false, emitDeclarationOnly: false,
    sourceMap: !options.inlineSourceMap, tsBuildInfoFile: undefined,
  };
  const program = ts.createProgram(config.entries.map((entry) => path.join(config.serviceDir, entry)), options);
  const emitted = program.emit();
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
  const into = emitted.emitSkipped ? result.errors : result.warnings;
  for (const diagnostic of diagnostics) into.push(format(diagnostic));
  if (emitted.emitSkipped) return;
  const extensions = { '.ts': '.js', '.tsx': '.js', '.mts': '.mjs', '.cts': '.cjs' };
  for (const entry of config.entries) {
    const ext = path.extname(entry);
    result.outputs[entry] = path.join(config.outDir, entry.slice(0, entry.length - ext.length) + (extensions[ext] || '.js'));
  }
  fs.writeFileSync(path.join(config.outDir, 'package.json'), JSON.stringify({ type: nearestType(config.serviceDir) }));
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  const result = { outputs: {}, errors: [], warnings: [] };
  try {
    fs.mkdirSync(config.outDir, { recursive: true });
    if (config.tool === 'esbuild') await buildWithEsbuild(config, result);
    else buildWithTypescript(config, result);
  } catch (error) {
    result.errors.push(String(error && error.stack ? error.stack.split('\n')[0] : error));
  }
  process.stdout.write(JSON.stringify(result));
}

main();
