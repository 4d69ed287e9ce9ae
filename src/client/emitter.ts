/** A minimal typed listener list (no Node `events`, so it runs in browsers too). */
export class Listeners<Args extends unknown[]> {
  private readonly list = new Set<(...args: Args) => void>();

  /** Adds a listener; returns its remover. */
  add(listener: (...args: Args) => void): () => void {
    this.list.add(listener);
    return () => this.list.delete(listener);
  }

  emit(...args: Args): void {
    for (const listener of [...this.list]) listener(...args);
  }

  get size(): number {
    return this.list.size;
  }
}
