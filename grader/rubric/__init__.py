"""grader.rubric"""
