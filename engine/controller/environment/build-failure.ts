/**
 * What a failed build tells the person who pushed: the builder's last log lines (bounded,
 * redacted), a one-line summary, and where to read the rest. Pure functions; build-log.ts reads.
 */
import { redactText } from '../../observe/redact.js';

/** At most this many lines of a failed build's log go on the Environment... */
export const BUILD_LOG_LINES = 20;
/** ...and at most this many bytes of them. */
export const BUILD_LOG_BYTES = 4096;

/** Terminal colour codes and other control characters (a builder's fancy output) do not belong in a status. */
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007|[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * The last non-empty lines of a log, at most `maxLines` lines and `maxBytes` bytes (UTF-8), each
 * line redacted (URLs with credentials, tokens, `password=`...) and stripped of control codes. A
 * single line longer than the budget keeps its end, where the error usually is.
 */
export function logTail(text: string, maxLines = BUILD_LOG_LINES, maxBytes = BUILD_LOG_BYTES): string[] {
  const lines = text.split(/\r?\n/).map((l) => redactText(l.replace(ESCAPES, '').trimEnd())).filter((l) => l.trim() !== '');
  const out: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && out.length < maxLines; i--) {
    const line = lines[i]!;
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > maxBytes) {
      if (out.length === 0) out.unshift(`…${tailBytes(line, maxBytes - 4)}`);
      break;
    }
    out.unshift(line);
    bytes += size;
  }
  return out;
}

function tailBytes(line: string, max: number): string {
  const buf = Buffer.from(line);
  // Skip UTF-8 continuation bytes so the cut never splits a character.
  let start = Math.max(0, buf.length - max);
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** Kaniko (logrus) prefixes: `INFO[0003] `, `ERRO[0001] `, `level=error msg=`. */
const LOG_PREFIX = /^(?:[A-Z]{4}\[\d+\]\s+|time="[^"]*"\s+level=\w+\s+msg=)/;
/** A Dockerfile step as Kaniko announces it (`INFO[0001] RUN npm ci`). */
const STEP = /^(FROM|RUN|COPY|ADD|WORKDIR|USER|ENV|ARG|CMD|ENTRYPOINT|LABEL|EXPOSE|SHELL|VOLUME|ONBUILD|HEALTHCHECK|STOPSIGNAL)\s/;

/**
 * One line saying why: the last Dockerfile step Kaniko announced, and the root cause of the last
 * line (Go error chains `a: b: c: exit status 1` keep their last link), e.g. `RUN npm ci: exit
 * status 1`; a fetch failure (`fatal: couldn't find remote ref`) stays as it is.
 */
export function failureSummary(lines: readonly string[]): string {
  const clean = lines.map((l) => l.replace(LOG_PREFIX, '').trim()).filter(Boolean);
  const last = clean.at(-1);
  if (!last) return '';
  const links = last.split(': ');
  const cause = links.length >= 3 ? links.at(-1)! : last;
  let step: string | undefined;
  for (let i = clean.length - 2; i >= 0; i--) if (STEP.test(clean[i]!)) { step = clean[i]; break; }
  return step && !STEP.test(last) ? `${step}: ${cause}` : cause;
}

export interface ContainerState {
  name: string;
  state?: { terminated?: { exitCode?: number; reason?: string; message?: string }; waiting?: { reason?: string; message?: string }; running?: unknown };
}
export interface PodLike { metadata?: { name?: string; creationTimestamp?: string }; status?: { phase?: string; initContainerStatuses?: ContainerState[]; containerStatuses?: ContainerState[] } }

export interface FailedContainer {
  name: string;
  /** Exit code when it ran and failed; undefined when it never started. */
  exitCode?: number;
  /** Why it did not run or stopped: `ImagePullBackOff: ...`, `OOMKilled`, `Error`. */
  reason?: string;
}

/**
 * The container of a build pod that failed: the first init container (the source fetch) that
 * exited non-zero or could not start, else the builder. Undefined when none failed (the Job's
 * deadline stopped a running build, say).
 */
export function failedContainer(pod: PodLike): FailedContainer | undefined {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of all) {
    const t = c.state?.terminated;
    if (t && t.exitCode !== 0) return { name: c.name, ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}), ...(t.reason ? { reason: t.reason } : {}) };
    const w = c.state?.waiting;
    if (w?.reason && w.reason !== 'PodInitializing' && w.reason !== 'ContainerCreating') {
      return { name: c.name, reason: `${w.reason}${w.message ? `: ${w.message}` : ''}` };
    }
  }
  return undefined;
}

/** How the user reads the whole build log. */
export function logsHint(app: string, target: string): string {
  return `ria logs ${app} --env ${target} --build`;
}

/**
 * The Stalled condition's message (one line, within `max` characters): what failed, where, the
 * last log lines that fit (from the end: the error is last), and the command for the whole log.
 */
export function buildFailedMessage(o: { service: string; commit: string; job: string; namespace: string; why: string; tail: readonly string[]; hint: string }, max = 1024): string {
  const head = `build of ${o.service} at ${o.commit.slice(0, 7)} failed (Job ${o.namespace}/${o.job}): ${o.why}`;
  const end = `. Whole log: ${o.hint}`;
  const flat = o.tail.map((l) => l.replace(/\s+/g, ' ').trim());
  const kept: string[] = [];
  let budget = max - head.length - end.length - ' Last log lines: '.length;
  for (let i = flat.length - 1; i >= 0; i--) {
    const cost = flat[i]!.length + 3;
    if (cost > budget) break;
    kept.unshift(flat[i]!);
    budget -= cost;
  }
  const text = kept.length ? `${head}. Last log lines: ${kept.join(' | ')}${end}` : `${head}${end}`;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
