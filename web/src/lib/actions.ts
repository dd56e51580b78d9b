/**
 * `use:dismiss={close}`: calls `close` on a pointer-down outside the element or on Escape, for menus,
 * pickers and popovers (one behaviour everywhere, so no menu stays open by accident).
 */
export function dismiss(node: HTMLElement, close: () => void) {
  let cb = close;
  const onPointer = (e: PointerEvent) => {
    if (!node.contains(e.target as Node)) cb();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      cb();
    }
  };
  document.addEventListener('keydown', onKey, true);
  // Registered on the next tick so the click that opened the menu does not close it again.
  const timer = setTimeout(() => document.addEventListener('pointerdown', onPointer, true));
  return {
    update(next: () => void) {
      cb = next;
    },
    destroy() {
      clearTimeout(timer);
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('keydown', onKey, true);
    },
  };
}

/** `use:autogrow`: a textarea that grows with its content up to its CSS max-height. */
export function autogrow(node: HTMLTextAreaElement, _value?: string) {
  const fit = () => {
    node.style.height = 'auto';
    node.style.height = `${node.scrollHeight}px`;
  };
  node.addEventListener('input', fit);
  queueMicrotask(fit);
  return {
    update: () => queueMicrotask(fit),
    destroy: () => node.removeEventListener('input', fit),
  };
}
