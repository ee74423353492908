/**
 * Maps offsets in expanded template output back to offsets in the text that was expanded, so an
 * error found in the output is reported at the line the user wrote. Copied text maps one to one;
 * text produced by an action (`${VAR}`, `{{ .Values.X }}`) maps to the start of that action.
 */
export type OffsetMap = (outputOffset: number) => number;

interface Segment {
  out: number;
  src: number;
  length: number;
  copied: boolean;
}

/**
 * Thrown by OutputBuilder when the output would pass its budget: expansion stops at once, at the
 * action that crossed it, instead of building gigabytes of text first (a 400 KB default used 40k
 * times ran 5.9 s and then failed with V8's "Invalid string length").
 */
export class OutputTooLarge extends Error {
  constructor(readonly sourceOffset: number, readonly limit: number) {
    super(`template output would exceed ${limit} characters`);
  }
}

export class OutputBuilder {
  private parts: string[] = [];
  private segments: Segment[] = [];
  private length = 0;

  /** `limit`: the most characters the output may have (characters never outnumber UTF-8 bytes, so a byte budget is a safe character budget). */
  constructor(private readonly source: string, private readonly limit = Infinity) {}

  /** Copies source[start, end) unchanged. */
  copy(start: number, end: number): void {
    if (end > start) this.push(this.source.slice(start, end), start, true);
  }

  /** Emits generated text attributed to the action at `sourceOffset`. */
  emit(text: string, sourceOffset: number): void {
    // Empty output is recorded too: an error right where a variable expanded to nothing points at it.
    this.push(text, sourceOffset, false);
  }

  get text(): string {
    return this.parts.join('');
  }

  map(): OffsetMap {
    const segments = this.segments.slice();
    const sourceLength = this.source.length;
    return (offset) => {
      let lo = 0;
      let hi = segments.length - 1;
      if (hi < 0) return Math.min(offset, sourceLength);
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (segments[mid]!.out <= offset) lo = mid;
        else hi = mid - 1;
      }
      // Several segments can start at one offset (an empty expansion, then copied text): the first wins.
      while (lo > 0 && segments[lo - 1]!.out === segments[lo]!.out && segments[lo]!.out === offset) lo--;
      const seg = segments[lo]!;
      if (!seg.copied) return seg.src;
      return seg.src + Math.min(Math.max(offset - seg.out, 0), Math.max(seg.length, 0));
    };
  }

  private push(text: string, src: number, copied: boolean): void {
    if (this.length + text.length > this.limit) throw new OutputTooLarge(src, this.limit);
    this.parts.push(text);
    this.segments.push({ out: this.length, src, length: text.length, copied });
    this.length += text.length;
  }
}

export const identityMap: OffsetMap = (offset) => offset;

/** `outer` maps final output to the intermediate text, `inner` the intermediate text to the source. */
export function compose(inner: OffsetMap, outer: OffsetMap): OffsetMap {
  return (offset) => inner(outer(offset));
}

/** A located template failure; `offset` is in the text given to the expander. */
export class TemplateFailure {
  constructor(
    readonly offset: number,
    readonly message: string,
    readonly expected?: string,
    /** A searchable code (budgets): see LimitCode. */
    readonly code?: string,
  ) {}
}
