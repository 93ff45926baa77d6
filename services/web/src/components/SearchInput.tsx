import type { Ref } from 'react';

/** The search box of the directory, pickers and search dialogs. */
export function SearchInput(props: {
  label: string;
  placeholder: string;
  testId: string;
  value: string;
  onChange: (v: string) => void;
  onEscape?: () => void;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <input
      ref={props.inputRef}
      type="search"
      className="search"
      placeholder={props.placeholder}
      aria-label={props.label}
      data-testid={props.testId}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && props.onEscape) props.onEscape();
      }}
    />
  );
}
