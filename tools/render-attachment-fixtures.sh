#!/bin/sh
# Renders the screenshot fixtures in eval/attachments/ from real error texts. Run once by hand
# (needs ImageMagick and the DejaVu fonts); the PNGs are committed, so tests and CI never need it.
set -eu
cd "$(dirname "$0")/../eval/attachments"
SANS=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SANS_BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
MONO=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf

# SillyTavern's red toastr error over the dark chat UI, as OpenRouter's 402 shows up there.
convert -size 760x250 xc:'#1c1c22' \
  -fill '#2b2b33' -draw 'rectangle 0,0 760,48' \
  -fill '#bd362f' -draw 'roundrectangle 300,60 740,200 6,6' \
  -fill white -font "$SANS_BOLD" -pointsize 16 -annotate +318+92 'Chat Completion API' \
  -font "$SANS" -pointsize 15 -annotate +318+122 'Insufficient credits. Add more using' \
  -annotate +318+146 'https://openrouter.ai/settings/credits' \
  -fill '#9a9aa5' -pointsize 14 -annotate +20+150 'Seraphina' \
  -strip credits-toast.png

# The SillyTavern server console (Windows terminal) after a request without a key.
convert -size 900x230 xc:'#0c0c0c' \
  -fill '#cccccc' -font "$MONO" -pointsize 15 \
  -annotate +12+28 'Generating with OpenRouter, model: deepseek/deepseek-chat-v3-0324' \
  -annotate +12+56 'Chat completion request error:  Unauthorized' \
  -annotate +12+84 '{"error":{"message":"No auth credentials found","code":401}}' \
  -annotate +12+112 'Streaming request finished' \
  -fill '#13a10e' -annotate +12+168 'SillyTavern is listening on: http://127.0.0.1:8000/' \
  -strip 401-terminal.png

# A rate limit toast (429) from a free model.
convert -size 640x170 xc:'#1c1c22' \
  -fill '#bd362f' -draw 'roundrectangle 20,20 620,150 6,6' \
  -fill white -font "$SANS_BOLD" -pointsize 16 -annotate +38+52 'Chat Completion API' \
  -font "$SANS" -pointsize 15 -annotate +38+82 'Rate limit exceeded: free-models-per-min.' \
  -annotate +38+106 'Error 429' \
  -strip 429-toast.png

# A roleplay chat in the UI: readable text, but no error in it.
convert -size 760x200 xc:'#1c1c22' \
  -fill '#e0e0e0' -font "$SANS_BOLD" -pointsize 16 -annotate +20+36 'Seraphina' \
  -font "$SANS" -pointsize 15 \
  -annotate +20+66 'She smiles softly and brushes the hair from your face. "You are safe' \
  -annotate +20+90 'now. The forest will not harm you while I am here."' \
  -annotate +20+140 'You look around the glade, the moss still warm from the sun.' \
  -strip chat-no-error.png

# A photo-like picture without any text.
convert -size 640x420 -seed 7 plasma:'#2e5e3e-#9ec7e8' -blur 0x1.5 -quality 85 -strip photo-no-text.jpg
