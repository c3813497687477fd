import { useState, type KeyboardEvent } from 'react';
import { confidenceLevel, type Word } from './textract.js';

interface PageViewProps {
  words: Word[];
  /** An image of the page, when the browser can show the original (PNG, JPEG, WEBP). */
  imageUrl: string | null;
  /** Width ÷ height of the blank page drawn when there is no image. */
  aspect: number;
  label: string;
}

const describe = (word: Word) =>
  `${word.text} — confidence ${word.confidence === null ? 'unknown' : `${word.confidence.toFixed(1)} %`}`;

/**
 * The page with a box over every recognized word (Textract geometry is relative, 0–1, so boxes are
 * placed in percent and follow any size). Hover shows a word's confidence; with the keyboard, focus
 * the page and move between words with the arrow keys.
 */
export const PageView = ({ words, imageUrl, aspect, label }: PageViewProps) => {
  const [active, setActive] = useState<number | null>(null);
  const [imageAspect, setImageAspect] = useState<number | null>(null);
  const current = active === null ? undefined : words[active];

  const onKeyDown = (event: KeyboardEvent) => {
    if (!words.length) return;
    const step =
      event.key === 'ArrowRight' || event.key === 'ArrowDown'
        ? 1
        : event.key === 'ArrowLeft' || event.key === 'ArrowUp'
          ? -1
          : 0;
    if (event.key === 'Escape') return setActive(null);
    if (!step) return;
    event.preventDefault();
    setActive((index) =>
      index === null ? (step > 0 ? 0 : words.length - 1) : (index + step + words.length) % words.length,
    );
  };

  return (
    <div className="page-view-wrap">
      <div
        className="page-view"
        style={{ aspectRatio: String(imageAspect ?? aspect) }}
        tabIndex={0}
        role="group"
        aria-label={`${label}: ${words.length} words. Use the arrow keys to read each word and its confidence.`}
        onKeyDown={onKeyDown}
        onMouseLeave={() => setActive(null)}
        data-testid="page-view"
      >
        {imageUrl ? (
          <img
            src={imageUrl}
            alt=""
            onLoad={(e) =>
              e.currentTarget.naturalHeight > 0 &&
              setImageAspect(e.currentTarget.naturalWidth / e.currentTarget.naturalHeight)
            }
          />
        ) : (
          <div className="page-blank" aria-hidden="true" />
        )}
        {words.map((word, index) => (
          <span
            key={index}
            className={`word-box word-${confidenceLevel(word.confidence)} ${index === active ? 'word-active' : ''}`}
            style={{
              left: `${word.box.Left * 100}%`,
              top: `${word.box.Top * 100}%`,
              width: `${word.box.Width * 100}%`,
              height: `${word.box.Height * 100}%`,
            }}
            onMouseEnter={() => setActive(index)}
            data-word={word.text}
            aria-hidden="true"
          >
            {!imageUrl && <span className="word-text">{word.text}</span>}
          </span>
        ))}
        {current && (
          <span
            className="word-tip"
            role="tooltip"
            style={{
              left: `${Math.min(current.box.Left * 100, 70)}%`,
              top: `${(current.box.Top + current.box.Height) * 100}%`,
            }}
          >
            <strong>{current.text}</strong> ·{' '}
            {current.confidence === null ? '—' : `${current.confidence.toFixed(1)} %`}
          </span>
        )}
      </div>
      <p className="visually-hidden" aria-live="polite">
        {current ? describe(current) : ''}
      </p>
    </div>
  );
};
