/** What the bench drives in each engine under test, so both go through the same steps and clocks. */
import type { BenchApp } from './workload.js';

export interface EngineUnderTest {
  name: string;
  apps: BenchApp[];
  /** The identity its writes carry in the audit log. */
  username: string;
  /** Repositories and declarations, before the clock starts. */
  prepare(): Promise<void>;
  /** Starts the engine's processes (the cold-start clock starts here). */
  start(): Promise<void>;
  /** How many of its N environments / Kustomizations have been seen Ready (each stays counted: Flux
   * makes a Kustomization Ready=Unknown whenever it reconciles it again), with a short breakdown. */
  progress(): Promise<{ ready: number; detail: string }>;
  /** Commits round `round` of the app where this engine reads it (not yet triggered). */
  commit(app: BenchApp, round: number): Promise<void>;
  /** The fastest way this engine offers to look at once; and how that is named in the figures. */
  trigger(app: BenchApp): Promise<void>;
  triggerHow: string;
  /** How it runs leader election (printed beside its Lease writes). */
  leaderElection: string;
  /** What the engine says of its own work (Ria: its reconcile counters), printed after the cold start. */
  selfReport?(): Promise<string>;
  /** Its processes, by name. */
  pids(): Record<string, number>;
  stop(): Promise<void>;
}
