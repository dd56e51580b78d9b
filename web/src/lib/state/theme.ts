export type Theme = 'system' | 'light' | 'dark' | 'oled';

export function currentTheme(): Theme {
  try {
    return (localStorage.getItem('theme') as Theme) || 'system';
  } catch {
    return 'system';
  }
}

/** OLED dark is dark mode with pure black surfaces (app.css remaps the darkest grays under `.oled`). */
export function applyTheme(theme: Theme): void {
  localStorage.setItem('theme', theme);
  const dark = theme === 'dark' || theme === 'oled' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.classList.toggle('oled', theme === 'oled');
}
