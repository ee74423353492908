/**
 * Regular expressions for the string syntaxes, for the JSON Schema (editors flag mistakes as you
 * type). They accept at least everything the parsers in ../syntax accept; the parsers are the
 * judges and give the precise message when a pattern fails.
 */
export const PATTERNS = {
  port: '^\\s*\\d+(:\\d+)?(/([Tt][Cc][Pp]|[Uu][Dd][Pp]|[Ss][Cc][Tt][Pp]|[Hh][Tt][Tt][Pp]2?|[Gg][Rr][Pp][Cc]))?(\\s*,\\s*[A-Za-z0-9-]+(=[A-Za-z0-9-]*)?)*\\s*$',
  env: '^[-._a-zA-Z][-._a-zA-Z0-9]*(=[\\s\\S]*)?$',
  mount: '^[a-z0-9][-a-z0-9.]*(/[-._a-zA-Z0-9]+)?(:/.*)?$',
  /**
   * VOLUME[:/PATH][,OPTION...]. A path absorbs the spaces before the first comma itself: a `\\s*`
   * right after `[^,]*` made the pattern quadratic ("/", a million spaces, ",1" never finished).
   */
  volume: '^(/[^:,]*(:/[^,]*)?(,\\s*[A-Za-z]+(=[A-Za-z]*)?(\\s*,\\s*[A-Za-z]+(=[A-Za-z]*)?)*)?|[a-z0-9][-a-z0-9]*(:/[^,]*(,\\s*[A-Za-z]+(=[A-Za-z]*)?(\\s*,\\s*[A-Za-z]+(=[A-Za-z]*)?)*)?|(\\s*,\\s*[A-Za-z]+(=[A-Za-z]*)?)*))$',
  permission: '^\\s*(role=\\S+|(\\S+\\s+){0,3}\\S+)\\s*$',
  quantity: '^(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?$',
  duration: '^(\\d+|((\\d+(\\.\\d+)?)(ns|us|µs|ms|s|m|h))+)$',
  hostAlias: '^[^=]+=\\S+$',
  percent: '^\\d+%$',
  scale: '^\\d+(-\\d+)?$',
  dnsLabel: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  /** Service, app, version and router names: DNS labels without `--` (it separates the parts of hostnames, render/names.ts). */
  name: '^[a-z0-9]+(-[a-z0-9]+)*$',
  dnsSubdomain: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  envName: '^[-._a-zA-Z][-._a-zA-Z0-9]*$',
  configKey: '^[-._a-zA-Z0-9]+$',
  variable: '^[A-Za-z_][A-Za-z0-9_]*$',
  pullPolicy: '^([Aa][Ll][Ww][Aa][Yy][Ss]|[Ii][Ff][Nn][Oo][Tt][Pp][Rr][Ee][Ss][Ee][Nn][Tt]|[Nn][Ee][Vv][Ee][Rr])$',
  protocol: '^([Tt][Cc][Pp]|[Uu][Dd][Pp]|[Ss][Cc][Tt][Pp]|[Hh][Tt][Tt][Pp]2?|[Gg][Rr][Pp][Cc])$',
} as const;
