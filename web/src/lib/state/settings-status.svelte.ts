import { errorMessage } from '$lib/api';

/**
 * The load / save state of a settings form: the error notice and the "Saved" mark that every admin
 * settings page shows. `load` and `save` run the page's own calls and keep these two in step.
 */
export class SettingsStatus {
  error = $state<string | null>(null);
  saved = $state(false);

  /** Runs the page's reads; a failure becomes the error notice. */
  async load(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /**
   * Runs the page's writes (a form's submit event is stopped first). "Saved" shows once they all
   * succeed; `run` may return false to say it stopped on purpose (nothing saved, no error).
   */
  async save(event: Event | null, run: () => Promise<boolean | void>): Promise<void> {
    event?.preventDefault();
    this.saved = false;
    this.error = null;
    try {
      if ((await run()) !== false) this.saved = true;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }
}
