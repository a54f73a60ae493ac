LINT_EXTRA ?=
lint: deps
	$(call show,CPPCHECK,model host tools)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	  --inline-suppr --suppress=missingIncludeSystem -I. model host tools
	$(LINT_EXTRA)
