// Runs a Python script under MicroPython (the WebAssembly port) with the repository's
// files copied into its in-memory file system, since that interpreter has no host one.
//
//   node run_micropython.mjs ROOT INPUT SCRIPT FILE...
//
// ROOT: the repository; FILE...: paths under ROOT to copy to /repo/<path>; SCRIPT: the
// path under ROOT of the script to run (with /repo and the script's folder first on
// sys.path, and sys.argv = [SCRIPT, "/input.json"]); INPUT: a host file copied to
// /input.json. The script's output goes to stdout; a Python exception to stderr and
// exit status 1.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const [root, input, script, ...files] = process.argv.slice(2);
if (!root || !input || !script) {
  process.stderr.write("usage: node run_micropython.mjs ROOT INPUT SCRIPT FILE...\n");
  process.exit(2);
}

const mp = await loadMicroPython({
  heapsize: 16 * 1024 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

function makeDirs(path) {
  let sofar = "";
  for (const part of path.split("/").filter(Boolean)) {
    sofar += "/" + part;
    try {
      mp.FS.mkdir(sofar);
    } catch (error) {
      if (error.errno !== 20) throw error; // EEXIST in Emscripten's numbering
    }
  }
}

for (const file of [...files, script]) {
  const target = "/repo/" + file;
  makeDirs(dirname(target));
  mp.FS.writeFile(target, readFileSync(join(root, file)));
}
mp.FS.writeFile("/input.json", readFileSync(input));

const scriptPath = "/repo/" + script;
const prelude = [
  "import sys",
  `sys.path[:0] = [${JSON.stringify(dirname(scriptPath))}, "/repo"]`,
  `sys.argv[:] = [${JSON.stringify(scriptPath)}, "/input.json"]`,
].join("\n");

try {
  mp.runPython(prelude);
  mp.runPython(readFileSync(join(root, script), "utf8"));
} catch (error) {
  process.stderr.write(String(error) + "\n");
  process.exit(1);
}
