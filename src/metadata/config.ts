// lvm.conf-style configuration, read from $ULVM_SYSTEM_DIR/lvm.conf and --config.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { type ConfigNode, type ConfigValue, ConfigParseError, lookup, parseConfig } from '../formats/config-text.ts';
import { errnoCode, errnoNumber } from '../devices/errno.ts';
import { UlvmError } from '../errors.ts';

/** A configuration lvm2 refuses to start with; `stderr` is exactly what it prints. */
export class ConfigError extends UlvmError {
  constructor(
    readonly stderr: string,
    rc: number,
  ) {
    super('CONFIG', stderr.replace(/\n$/, '').split('\n').map((l) => l.replace(/^ {2}/, '')), rc);
    this.message = stderr.trim();
  }

  /** Some of lvm2's lines here have no prefix (printed before its log is set up): keep them exact. */
  override stderrText(): string {
    return this.stderr;
  }
}

/** lvm2 reads lvm.conf before its log is set up, so a parse error there has no indent. */
function readConfigFile(file: string): ConfigNode[] | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    if (errnoCode(e) === undefined) throw e;
    throw new ConfigError(`  Failed to open device path ${file} (${errnoNumber(e)}).\n  Failed to load config file ${file}\n`, 4);
  }
  let text: string;
  try {
    if (!fstatSync(fd).isFile()) throw new ConfigError(`  ${file} is not a regular file\n  Failed to load config file ${file}\n`, 4);
    text = readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError || errnoCode(e) === undefined) throw e;
    throw new ConfigError(`  Failed to read config file ${file}\n  Failed to load config file ${file}\n`, 4);
  } finally {
    closeSync(fd);
  }
  try {
    return parseConfig(text);
  } catch (e) {
    if (!(e instanceof ConfigParseError)) throw e;
    throw new ConfigError(`${e.message}\n  Failed to load config file ${file}\n`, 4);
  }
}

/**
 * --config accepts lvm2's `section/key=value` shorthand; nest such keys (merging sections of the
 * same name) so that lookups see them like the long form `section { key = value }`.
 */
function nestPaths(nodes: ConfigNode[]): ConfigNode[] {
  const out: ConfigNode[] = [];
  const sectionOf = (into: ConfigNode[], key: string): ConfigNode[] => {
    let sec = into.find((n) => n.key === key && n.children);
    if (!sec) {
      sec = { key, children: [] };
      into.push(sec);
    }
    return sec.children!;
  };
  const put = (into: ConfigNode[], n: ConfigNode) => {
    const parts = n.key.split('/').filter((p) => p);
    let cur = into;
    for (const p of parts.slice(0, -1)) cur = sectionOf(cur, p);
    const key = parts[parts.length - 1] ?? n.key;
    if (n.children) {
      const sec = sectionOf(cur, key);
      for (const c of n.children) put(sec, c);
    } else cur.push({ ...n, key });
  };
  for (const n of nodes) put(out, n);
  return out;
}

export class Config {
  constructor(
    private readonly layers: ConfigNode[][],
    /** How many of the layers (the first ones) come from --config. */
    private readonly overrideCount = 0,
  ) {}

  /** The --config trees, in the order given (lvmconfig prints them as lvm2 holds them). */
  get overrideTrees(): ConfigNode[][] {
    return this.layers.slice(0, this.overrideCount);
  }

  /** lvm.conf's tree, when there is the file. */
  get fileTree(): ConfigNode[] | undefined {
    return this.layers[this.overrideCount];
  }

  /** `command` names the command in lvm2's hint after a bad --config. */
  static load(file: string, overrides: string[], command = 'lvm'): Config {
    // lvm2 reads lvm.conf first, so its problems are reported before those of --config.
    const fromFile = readConfigFile(file);
    const layers: ConfigNode[][] = [];
    for (const o of overrides) {
      try {
        layers.push(nestPaths(parseConfig(o)));
      } catch (e) {
        if (!(e instanceof ConfigParseError)) throw e;
        throw new ConfigError(`  ${e.message}\n  Failed to set overridden configuration entries.\n  Run \`${command} --help' for more information.\n`, 3);
      }
    }
    if (fromFile) layers.push(fromFile);
    return new Config(layers, overrides.length);
  }

  value(path: string): ConfigValue | undefined {
    for (const l of this.layers) {
      const v = lookup(l, path);
      if (v) return v;
    }
    return undefined;
  }

  int(path: string, dflt: number): number {
    const v = this.value(path);
    return v && (v.kind === 'int' || v.kind === 'float') ? v.value : dflt;
  }

  str(path: string, dflt: string): string {
    const v = this.value(path);
    return v?.kind === 'string' ? v.value : dflt;
  }

  /** A string setting, or undefined when it is not set. */
  strOrUndefined(path: string): string | undefined {
    const v = this.value(path);
    return v?.kind === 'string' ? v.value : undefined;
  }
}
