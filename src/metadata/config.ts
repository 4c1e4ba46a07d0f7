// lvm.conf-style configuration, read from $ULVM_SYSTEM_DIR/lvm.conf and --config.
import { readFileSync } from 'node:fs';
import { type ConfigNode, type ConfigValue, lookup, parseConfig } from '../formats/config-text.ts';

export class Config {
  constructor(private readonly layers: ConfigNode[][]) {}

  static load(file: string, overrides: string[]): Config {
    const layers: ConfigNode[][] = [];
    for (const o of overrides) layers.push(parseConfig(o));
    try {
      layers.push(parseConfig(readFileSync(file, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return new Config(layers);
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
}
