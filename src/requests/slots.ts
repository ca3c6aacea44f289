/**
 * At most `size` tasks at a time; the rest wait their turn in order. Keeps a burst of background
 * work from crowding out the event loop turns that new Slack requests need for their acks.
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
