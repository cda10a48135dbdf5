import type { BrowserType } from '@playwright/test';
import { launchSettings } from './backends.ts';
import { ownBrowserTypes, PlaywrightEngine } from './playwright-engine.ts';
import type { Engine, EngineName, UsableBackend } from './session.ts';
import { WebKitGtkEngine } from './webkitgtk-engine.ts';

/**
 * An engine as the suite launches it: WebKitGTK over its WebDriver, or Chromium and Firefox from the
 * suite's own Playwright instance (`fallback`: the instance to use where that is missing).
 */
export function launchEngine(
  backend: UsableBackend,
  options: { headless: boolean; fallback: Record<EngineName, BrowserType> },
): Promise<Engine> {
  if (backend.kind === 'webkitgtk-webdriver') return WebKitGtkEngine.launch(backend);
  return PlaywrightEngine.launch(
    backend.engine,
    backend,
    (ownBrowserTypes() ?? options.fallback)[backend.engine],
    { headless: options.headless, ...launchSettings(backend) },
  );
}
