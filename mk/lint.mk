LINT_EXTRA ?=
lint: deps
	$(call show,CPPCHECK,model host io tools)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	  --inline-suppr --suppress=missingIncludeSystem -I. model host io tools
	$(LINT_EXTRA)
