// Shapes of the grammar data (sources as written in lvm2's command-lines.in / args.h / vals.h)
// and of the parsed command definitions built from them.

/** One option of args.h. */
export interface OptionSpec {
  /** args.h enum name without `_ARG` (unique; e.g. `cache_long`, `uuidstr`). */
  id: string;
  /** Short letter, or '' when the option is long-only. */
  short: string;
  /** Long name without dashes ('' for `-?`). */
  long: string;
  /** vals.h enum name without `_VAL` ('' when the option takes no value). */
  val: string;
  /** May be given several times and counts (`-vv`, `-ff`). */
  countable: boolean;
  /** May be given several times, each occurrence kept (`-o a -o b`, `--addtag`). */
  groupable: boolean;
}

/** One command definition as written in command-lines.in. */
export interface DefSource {
  /** `name required-options required-positionals`. */
  line: string;
  /** OO: optional options (may name OO_ sets). */
  oo?: string;
  /** OP: optional positionals. */
  op?: string;
  /** IO: options accepted but ignored. */
  io?: string;
  id: string;
  desc?: readonly string[];
  flags?: readonly string[];
  autotype?: readonly string[];
  rules?: readonly string[];
}

/** What may follow an option or stand in a position: a set of value types and literals. */
export interface ArgDef {
  /** vals.h enum names (without `_VAL`), e.g. `vg`, `lv`, `sizemb`. */
  vals: Set<string>;
  /** Literal string required (`--type thin-pool`). */
  str?: string;
  /** Literal number required (`--mirrors 0`). */
  num?: number;
  newLV: boolean;
  newVG: boolean;
  repeat: boolean;
}

export interface OptArg {
  /** Option id (OptionSpec.id). */
  opt: string;
  def: ArgDef;
}

export interface Rule {
  kind: 'not' | 'and';
  opts: string[];
  checkOpts: string[];
  /** The rule also depends on LV types/properties, so it can only be checked later. */
  needsLV: boolean;
}

/** A command definition after expanding OO_ sets, as lvm2's `struct command`. */
export interface CommandDef {
  name: string;
  id: string;
  /** Required options; when anyRequired, one of `anyReq` is also required. */
  req: OptArg[];
  anyReq: OptArg[];
  anyRequired: boolean;
  optional: OptArg[];
  ignored: OptArg[];
  reqPos: ArgDef[];
  optPos: ArgDef[];
  desc: readonly string[];
  secondary: boolean;
  previous: boolean;
  autotype: readonly string[];
  rules: Rule[];
}
