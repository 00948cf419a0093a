" Vim syntax file
" Language: KL, the layoutc memory-layout language (docs/language.md)
" Install:  copy or link editors/vim/syntax and editors/vim/ftdetect into ~/.vim (or a plugin dir)

if exists("b:current_syntax")
  finish
endif

syn keyword klKeyword     extends layout param const set space region hole overlaps allow assert requires
syn keyword klConditional if then else match
syn keyword klBoolean     true false
syn keyword klType        choice

" `space NAME bits N`: `bits` is a keyword only there (a layout attribute elsewhere)
syn match   klSpaceBits   "\<space\s\+\h\w*\s\+bits\>" contains=klKeyword,klDeclName,klBitsWord
syn match   klBitsWord    "\<bits\>" contained
syn match   klDeclName    "\%(\<\%(layout\|space\|region\|hole\|param\|const\)\s\+\)\@<=\h\w*"
syn match   klParamType   "\%(\<param\s\+\h\w*\s*:\s*\)\@<=\h\w*"
syn match   klRule        "\%(\<allow\s\+\)\@<=\a[A-Za-z0-9]*\%(-[A-Za-z0-9]\+\)*"
syn match   klFunction    "\<\h\w*\ze\s*("
syn match   klAttribute   "\%(^\s*\|[{;]\s*\)\@<=\h\w*\ze\s*=[=>]\@!"

" numbers: 0x / 0b / decimal with `_` between digits, binary-size suffixes (4K, 1GiB); versions;
" digit-led choice members such as 3G_OPT
syn match   klSymbol      "\<\d\w*\>"
syn match   klNumber      "\<\%(0x\x\+\%(_\x\+\)*\|0b[01]\+\%(_[01]\+\)*\|\d\+\%(_\d\+\)*\%([KMGTPE]iB\|[KMGTPE]\)\=\)\>"
syn match   klVersion     "\<\d\+\.\d\+\%(\.\d\+\)*\>"

syn match   klEscape      contained "\\."
syn region  klString      start=+"+ skip=+\\.+ end=+"\|$+ contains=klEscape oneline
syn match   klOperator    "=>\|==\|!=\|<=\|>=\|<<\|>>\|&&\|||\|[-+*/%&|^~!<>=]"
syn keyword klTodo        contained TODO FIXME XXX NOTE
syn match   klComment     "//.*$" contains=klTodo,@Spell
syn region  klComment     start="/\*" end="\*/" contains=klTodo,@Spell

hi def link klKeyword     Keyword
hi def link klBitsWord    Keyword
hi def link klConditional Conditional
hi def link klBoolean     Boolean
hi def link klType        Type
hi def link klParamType   Type
hi def link klDeclName    Identifier
hi def link klRule        Constant
hi def link klFunction    Function
hi def link klAttribute   Identifier
hi def link klNumber      Number
hi def link klVersion     Number
hi def link klSymbol      Constant
hi def link klString      String
hi def link klEscape      SpecialChar
hi def link klOperator    Operator
hi def link klComment     Comment
hi def link klTodo        Todo

let b:current_syntax = "kl"
